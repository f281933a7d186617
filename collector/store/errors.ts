// Storage failures as the rest of the collector sees them, whatever the engine: the disk is full,
// an I/O error, the file or its filesystem is read-only, the file cannot be opened. The store
// turns its engine's errors into a `StorageError` with a stable code (sqlite/failures.ts does it
// for SQLite); the API answers them 503 (http/errors.ts), /readyz reports them through
// `StorageHealth`, and the engine's write buffer backs off and sheds while they last
// (ARCHITECTURE.md "Store").
import { CodedError } from '../../common/errors.ts';

/** What went wrong, as a label for logs, /readyz and metrics. */
export const STORAGE_REASONS = {
  VIGIL_STORE_FULL: 'storage_full',
  VIGIL_STORE_IO: 'storage_io_error',
  VIGIL_STORE_READ_ONLY: 'storage_read_only',
  VIGIL_STORE_CANT_OPEN: 'storage_cant_open',
} as const;

export type StorageErrorCode = keyof typeof STORAGE_REASONS;
export type StorageReason = (typeof STORAGE_REASONS)[StorageErrorCode];

/** The store could not read or write its data because of the storage under it. */
export class StorageError extends CodedError<StorageErrorCode> {
  override name = 'StorageError';
  /** The file (or other location) the store could not use. */
  readonly location: string;

  constructor(code: StorageErrorCode, location: string, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.location = location;
  }

  get reason(): StorageReason {
    return STORAGE_REASONS[this.code];
  }
}

/**
 * The store refused a statement for a value it was given (one it cannot bind, too big, or against
 * a constraint), not for its storage: retrying the same rows fails the same way.
 */
export class StoreValueError extends CodedError<'VIGIL_STORE_BAD_VALUE'> {
  override name = 'StoreValueError';

  constructor(message: string, options?: ErrorOptions) {
    super('VIGIL_STORE_BAD_VALUE', message, options);
  }
}

/**
 * A write transaction lost to a concurrent one (PostgreSQL deadlock 40P01, serialization failure
 * 40001): nothing of it was kept. The store retries the whole transaction a few times itself; a
 * caller sees this only when those retries ran out, and may try again as well.
 */
export class StoreConflictError extends CodedError<'VIGIL_STORE_CONFLICT'> {
  override name = 'StoreConflictError';

  constructor(message: string, options?: ErrorOptions) {
    super('VIGIL_STORE_CONFLICT', message, options);
  }
}

export function isStorageError(error: unknown): error is StorageError {
  return error instanceof StorageError;
}

/** Whether the last write reached storage; when not, the failure and since when (epoch ms). */
export type StorageCondition =
  | { writable: true }
  | { writable: false; error: StorageError; since: number; failures: number };

/** The store's view of its own storage, for /readyz and /metrics. */
export interface StorageHealth {
  /** As of the last write transaction (no I/O). */
  condition(): StorageCondition;
  /**
   * When the last write failed: tries one tiny write (at most once a second) so readiness comes
   * back without waiting for the next real write; otherwise the condition as it is.
   */
  probe(): Promise<StorageCondition>;
}

/** Tracks the outcome of write transactions (the SQLite store's `StorageHealth`). */
export class StorageWatch {
  #condition: StorageCondition = { writable: true };
  #lastAttempt = 0;
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  condition(): StorageCondition {
    return this.#condition;
  }

  /** When a write last started (epoch ms). */
  get lastAttempt(): number {
    return this.#lastAttempt;
  }

  attempted(): void {
    this.#lastAttempt = this.#clock();
  }

  succeeded(): void {
    if (!this.#condition.writable) this.#condition = { writable: true };
  }

  failed(error: StorageError): void {
    const c = this.#condition;
    this.#condition = c.writable
      ? { writable: false, error, since: this.#clock(), failures: 1 }
      : { writable: false, error, since: c.since, failures: c.failures + 1 };
  }
}
