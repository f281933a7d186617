// A small promise layer over one node-sqlite3 connection: prepared statements cached by SQL text
// (a 500-row INSERT is parsed once, not once per batch), and pragmas every connection needs.
import sqlite3 from 'sqlite3';

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
  readonly #db: sqlite3.Database;
  readonly #statements = new Map<string, Promise<sqlite3.Statement>>();

  private constructor(db: sqlite3.Database) {
    this.#db = db;
  }

  static async open(path: string, options: ConnectionOptions = {}): Promise<SqliteConnection> {
    const mode = options.readonly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE;
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const handle = new sqlite3.Database(path, mode, (error) => (error ? reject(error) : resolve(handle)));
    });
    const connection = new SqliteConnection(db);
    db.configure('busyTimeout', options.busyTimeoutMs ?? 5000);
    // foreign_keys is per connection; synchronous=NORMAL is durable across process crashes in
    // WAL mode (only an OS crash can lose the last commits) and much cheaper than FULL.
    await connection.exec('PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;');
    return connection;
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#db.exec(sql, (error) => (error ? reject(error) : resolve()));
    });
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    const statement = await this.#prepare(sql);
    return new Promise((resolve, reject) => {
      statement.run(params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve({ changes: this.changes, lastID: this.lastID });
      });
    });
  }

  async all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const statement = await this.#prepare(sql);
    return new Promise((resolve, reject) => {
      // Statement#all steps to the end and resets, so no read transaction is left open
      // (Statement#get would leave one until the next reset).
      statement.all(params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows)));
    });
  }

  async get<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  async close(): Promise<void> {
    const statements = [...this.#statements.values()];
    this.#statements.clear();
    await Promise.all(statements.map((pending) => pending.then(finalize, () => undefined)));
    await new Promise<void>((resolve, reject) => {
      this.#db.close((error) => (error ? reject(error) : resolve()));
    });
  }

  #prepare(sql: string): Promise<sqlite3.Statement> {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) return cached;
    if (this.#statements.size >= STATEMENT_CACHE_LIMIT) {
      const [oldestSql, oldest] = this.#statements.entries().next().value as [
        string,
        Promise<sqlite3.Statement>,
      ];
      this.#statements.delete(oldestSql);
      void oldest.then(finalize, () => undefined);
    }
    const pending = new Promise<sqlite3.Statement>((resolve, reject) => {
      const statement = this.#db.prepare(sql, (error: Error | null) =>
        error ? reject(error) : resolve(statement),
      );
    });
    // A statement that failed to prepare (bad SQL) is not cached: the next call reports it again.
    pending.catch(() => this.#statements.delete(sql));
    this.#statements.set(sql, pending);
    return pending;
  }
}

function finalize(statement: sqlite3.Statement): Promise<void> {
  return new Promise((resolve) => statement.finalize(() => resolve()));
}
