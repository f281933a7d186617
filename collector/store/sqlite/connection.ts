// A small promise layer over one node:sqlite connection (built into Node, so no native module is
// built at install): prepared statements cached by SQL text (a 500-row INSERT is parsed once, not
// once per batch), and the pragmas every connection needs. node:sqlite runs each statement
// synchronously on the calling thread; the API stays promise-based so the store code reads the
// same whichever engine runs it (ARCHITECTURE.md "Store" has the measurement behind the choice).
// Storage failures (disk full, I/O error, read-only, cannot open) leave here as StorageErrors
// naming the file (failures.ts), so callers up to the API can tell them from bugs.
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { classified } from './failures.ts';

export type SqlValue = string | number | bigint | null | Buffer;
export type Row = Record<string, unknown>;

export interface RunResult {
  changes: number;
  lastID: number;
}

export interface ConnectionOptions {
  readonly?: boolean;
  /** ms a statement waits for another process's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/** Cached statements per connection; the multi-row INSERT shapes are few, so this stays small. */
const STATEMENT_CACHE_LIMIT = 200;

export class SqliteConnection {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
  }

  static async open(path: string, options: ConnectionOptions = {}): Promise<SqliteConnection> {
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(path, {
        readOnly: options.readonly ?? false,
        timeout: options.busyTimeoutMs ?? 5000,
        enableForeignKeyConstraints: true,
      });
      // synchronous=NORMAL is durable across process crashes in WAL mode (only an OS crash can
      // lose the last commits) and much cheaper than FULL.
      db.exec('PRAGMA synchronous = NORMAL;');
    } catch (error) {
      if (db?.isOpen) db.close();
      throw classified(error, path);
    }
    return new SqliteConnection(path, db);
  }

  async exec(sql: string): Promise<void> {
    try {
      this.#db.exec(sql);
    } catch (error) {
      throw classified(error, this.path);
    }
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    try {
      const result = this.#prepare(sql).run(...(params as SQLInputValue[]));
      return { changes: Number(result.changes), lastID: Number(result.lastInsertRowid) };
    } catch (error) {
      throw classified(error, this.path);
    }
  }

  async all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    try {
      // Rows come as null-prototype objects: plain data to every caller (no BLOB columns exist).
      return this.#prepare(sql).all(...(params as SQLInputValue[])) as T[];
    } catch (error) {
      throw classified(error, this.path);
    }
  }

  async get<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  async close(): Promise<void> {
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  #prepare(sql: string): StatementSync {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) return cached;
    if (this.#statements.size >= STATEMENT_CACHE_LIMIT) {
      const oldest = this.#statements.keys().next().value as string;
      this.#statements.delete(oldest);
    }
    // A statement that fails to prepare (bad SQL) throws here and is not cached.
    const statement = this.#db.prepare(sql);
    this.#statements.set(sql, statement);
    return statement;
  }
}
