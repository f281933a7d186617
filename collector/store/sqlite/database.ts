// One SQLite database file seen through two connections: a writer that only ever runs inside
// serialized transactions, and a reader. In WAL mode the reader sees the last committed state, so
// a GET during a long apply never observes half of it, and an apply never waits for readers.
// Every write transaction's outcome feeds `health` (../errors.ts StorageHealth): a storage failure
// marks the store not writable until a write commits again.
import { isStorageError, type StorageCondition, type StorageHealth, StorageWatch } from '../errors.ts';
import type { StoreTx } from '../runtime-types.ts';
import { SqliteConnection, type SqlValue } from './connection.ts';

/** What a store module can do inside a write transaction. */
export interface WriteTx {
  run: SqliteConnection['run'];
  all: SqliteConnection['all'];
  get: SqliteConnection['get'];
  exec: SqliteConnection['exec'];
}

export interface ReadConn {
  all: SqliteConnection['all'];
  get: SqliteConnection['get'];
}

/** The store-neutral handle of a write transaction (StoreTx), for callers outside the store. */
export function storeTxOf(tx: WriteTx): StoreTx {
  return tx as unknown as StoreTx;
}

/** A StoreTx back as the SQLite transaction it is (every StoreTx this store sees, it made). */
export function writeTxOf(tx: StoreTx): WriteTx {
  return tx as unknown as WriteTx;
}

/** Readiness probes write at most this often while storage is failing. */
const PROBE_SPACING_MS = 1000;

/** Rows per multi-row INSERT: one statement call costs tens of µs, one row inside a statement ~1 µs. */
export const ROWS_PER_STATEMENT = 500;

export class SqliteDatabase {
  readonly path: string;
  readonly #writer: SqliteConnection;
  readonly #reader: SqliteConnection;
  /** Tail of the queue of write transactions on this process's writer connection. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #watch = new StorageWatch();
  readonly health: StorageHealth = {
    condition: () => this.#watch.condition(),
    probe: () => this.#probe(),
  };

  private constructor(path: string, writer: SqliteConnection, reader: SqliteConnection) {
    this.path = path;
    this.#writer = writer;
    this.#reader = reader;
  }

  static async open(path: string, busyTimeoutMs = 5000): Promise<SqliteDatabase> {
    const writer = await SqliteConnection.open(path, { busyTimeoutMs });
    try {
      // WAL is a property of the file; set it before the reader opens.
      await writer.exec('PRAGMA journal_mode = WAL;');
      const reader = await SqliteConnection.open(path, { busyTimeoutMs });
      const db = new SqliteDatabase(path, writer, reader);
      // A file SQLite could only open read-only (an immutable file, a read-only mount) fails here,
      // at the start, rather than at the first write.
      await db.write(touch).catch(async (error: unknown) => {
        await db.close();
        throw error;
      });
      return db;
    } catch (error) {
      await writer.close();
      throw error;
    }
  }

  get reader(): ReadConn {
    return this.#reader;
  }

  /**
   * Runs `work` in one IMMEDIATE transaction (the write lock is taken at BEGIN, so two collector
   * processes on one file also serialize). Calls queue in order; a throw rolls everything back.
   */
  write<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    const result = this.#queue.then(() => this.#transaction(work));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await Promise.all([this.#reader.close(), this.#writer.close()]);
  }

  async #probe(): Promise<StorageCondition> {
    const before = this.#watch.condition();
    if (before.writable || this.#closed) return before;
    if (Date.now() - this.#watch.lastAttempt < PROBE_SPACING_MS) return before;
    await this.write(touch).catch(() => undefined);
    return this.#watch.condition();
  }

  async #transaction<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('database is closed');
    const tx = this.#writer;
    this.#watch.attempted();
    try {
      await tx.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(tx);
        await tx.exec('COMMIT');
        this.#watch.succeeded();
        return result;
      } catch (error) {
        await tx.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } catch (error) {
      if (isStorageError(error)) this.#watch.failed(error);
      throw error;
    }
  }
}

/** The smallest real write: rewrites the header's user_version (unused by Vigil) with its value. */
async function touch(tx: WriteTx): Promise<void> {
  const row = await tx.get<{ user_version: number }>('PRAGMA user_version');
  await tx.exec(`PRAGMA user_version = ${Number(row?.user_version ?? 0)}`);
}

/**
 * INSERT of many rows, ROWS_PER_STATEMENT per statement. `suffix` is appended to every statement
 * (e.g. an `ON CONFLICT ... DO UPDATE` clause).
 */
export async function insertRows(
  tx: WriteTx,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
  suffix = '',
): Promise<void> {
  const placeholder = `(${columns.map(() => '?').join(',')})`;
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const sql = `INSERT INTO ${table} (${columns.join(',')}) VALUES ${Array(chunk.length).fill(placeholder).join(',')} ${suffix}`;
    await tx.run(sql, chunk.flat());
  }
}

/**
 * Runs `sql` over `keys` in chunks: `?*` in the SQL becomes one placeholder per key of the chunk
 * (as in `WHERE id IN (?*)`); `params` bind the `?` placeholders written before it.
 */
export async function runForKeys(
  tx: WriteTx,
  sql: string,
  keys: readonly SqlValue[],
  params: readonly SqlValue[] = [],
): Promise<void> {
  for (let start = 0; start < keys.length; start += ROWS_PER_STATEMENT) {
    const chunk = keys.slice(start, start + ROWS_PER_STATEMENT);
    await tx.run(sql.replace('?*', chunk.map(() => '?').join(',')), [...params, ...chunk]);
  }
}
