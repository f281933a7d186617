// One PostgreSQL database (one schema of it) seen through a pool of connections. Reads take any
// pooled connection and see the last committed state; write transactions are serialized in this
// process (one at a time, in call order), as the SQLite store's are, so a flush, a sync and the
// outbox worker never deadlock on each other's rows and check row ids commit in the order they
// were drawn (the /metrics tail reads by id). Every write transaction's outcome feeds `health`
// (../errors.ts StorageHealth).
//
// int8 (BIGINT: millisecond times, ids, counts) and numeric (sums of BIGINT) are parsed as numbers
// by this pool's own type parsers, not node-postgres's global ones: they stay far below 2^53.

import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { backoffDelay } from '../../../common/retry.ts';
import {
  isStorageError,
  type StorageCondition,
  type StorageHealth,
  StorageWatch,
  StoreConflictError,
} from '../errors.ts';
import type { StoreTx } from '../runtime-types.ts';
import { classified } from './failures.ts';

export type SqlValue = string | number | boolean | null | readonly unknown[];
export type Row = Record<string, unknown>;

/** Reads; a write transaction can read too. */
export interface PgReader {
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
}

/** What a store module can do inside a write transaction. */
export interface PgTx extends PgReader {
  /** Runs one statement; returns the rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export function storeTxOf(tx: PgTx): StoreTx {
  return tx as unknown as StoreTx;
}

export function pgTxOf(tx: StoreTx): PgTx {
  return tx as unknown as PgTx;
}

const INT8 = 20;
const NUMERIC = 1700;
const toNumber = (value: string): number => Number(value);

/** The pool's type parsers: int8 and numeric as numbers, the rest as node-postgres does. */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC
      ? toNumber
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Tries of a write transaction that keeps losing to concurrent ones, and the waits between. */
const CONFLICT_TRIES = 5;
const CONFLICT_BACKOFF = { baseMs: 10, maxMs: 400 };

/** Readiness probes write at most this often while storage is failing. */
const PROBE_SPACING_MS = 1000;

export interface PgDatabaseOptions {
  url: string;
  /** The schema every table lives in (created when missing). */
  schema: string;
  /** The URL without its password, for messages. */
  location: string;
  max?: number;
}

/** A schema name as an SQL identifier (quoted). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export class PgDatabase {
  readonly location: string;
  readonly schema: string;
  readonly pool: pg.Pool;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #watch = new StorageWatch();
  readonly health: StorageHealth = {
    condition: () => this.#watch.condition(),
    probe: () => this.#probe(),
  };
  readonly reader: PgReader = {
    all: (sql, params) => this.#all(this.pool, sql, params),
    get: async (sql, params) => (await this.#all(this.pool, sql, params))[0] as never,
  };

  constructor(options: PgDatabaseOptions) {
    this.location = options.location;
    this.schema = options.schema;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.max ?? 8,
      types: TYPES,
      // Every connection of the pool works in the store's schema. JIT off: the store's statements
      // are short, and the flush's one (25 histogram aggregates over a batch's rows) crosses the
      // JIT cost threshold, where compiling it took seconds for a 40-row batch (measured on 15).
      options: `-c search_path=${quoteIdent(options.schema)} -c jit=off`,
      connectionTimeoutMillis: 10_000,
      // A server that vanished without closing (a failover, a dropped route) is noticed by TCP.
      keepAlive: true,
      idleTimeoutMillis: 30_000,
      // Which collector schema a server connection belongs to, for operators (pg_stat_activity).
      application_name: `vigil/${options.schema}`.slice(0, 63),
    });
    // An idle connection that dies (server restart) must not crash the process; the next query
    // gets a fresh connection or a typed error.
    this.pool.on('error', () => undefined);
    // The same for a connection that dies while checked out: the query in flight fails with the
    // error (and is classified), the event itself must not reach the process.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  /** Runs `work` on one connection outside the write queue (migrations). */
  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw classified(error, this.location);
    }
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  /**
   * Runs `work` in one transaction; calls queue in order; a throw rolls everything back. A
   * transaction that lost to another collector's (deadlock, serialization failure) is rolled back
   * and run again from the start, up to CONFLICT_TRIES times, after a short jittered wait (the
   * two losers of a deadlock must not meet again at once): `work` must only write through `tx`.
   */
  write<T>(work: (tx: PgTx) => Promise<T>): Promise<T> {
    const result = this.#queue.then(() => this.#retrying(work));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Transactions run again after a conflict, in this process's lifetime (metrics, tests). */
  conflictRetries = 0;

  async #retrying<T>(work: (tx: PgTx) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#transaction(work);
      } catch (error) {
        if (!(error instanceof StoreConflictError) || attempt + 1 >= CONFLICT_TRIES || this.#closed)
          throw error;
        this.conflictRetries += 1;
        await sleep(backoffDelay(attempt, CONFLICT_BACKOFF, Math.random));
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await this.pool.end();
  }

  async #all<T>(on: pg.Pool | pg.PoolClient, sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    try {
      const result = await on.query(sql, params as unknown[]);
      return result.rows as T[];
    } catch (error) {
      throw classified(error, this.location);
    }
  }

  async #probe(): Promise<StorageCondition> {
    const before = this.#watch.condition();
    if (before.writable || this.#closed) return before;
    if (Date.now() - this.#watch.lastAttempt < PROBE_SPACING_MS) return before;
    await this.write(touch).catch(() => undefined);
    return this.#watch.condition();
  }

  async #transaction<T>(work: (tx: PgTx) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('database is closed');
    this.#watch.attempted();
    let client: pg.PoolClient | undefined;
    try {
      try {
        client = await this.pool.connect();
      } catch (error) {
        throw classified(error, this.location);
      }
      const on = client;
      const tx: PgTx = {
        all: (sql, params) => this.#all(on, sql, params),
        get: async (sql, params) => (await this.#all(on, sql, params))[0] as never,
        run: async (sql, params = []) => {
          try {
            return (await on.query(sql, params as unknown[])).rowCount ?? 0;
          } catch (error) {
            throw classified(error, this.location);
          }
        },
      };
      await tx.run('BEGIN');
      try {
        const result = await work(tx);
        await tx.run('COMMIT');
        this.#watch.succeeded();
        return result;
      } catch (error) {
        await on.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } catch (error) {
      if (isStorageError(error)) {
        this.#watch.failed(error);
        // A connection that failed for its storage is not given out again.
        client?.release(true);
        client = undefined;
      }
      throw error;
    } finally {
      client?.release();
    }
  }
}

/** The smallest real write: a row of the store's own that changes nothing. */
async function touch(tx: PgTx): Promise<void> {
  await tx.run("UPDATE status_meta SET value = value WHERE key = 'catalog'");
}
