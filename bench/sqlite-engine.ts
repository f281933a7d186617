// SQLite engine benchmark: the store's real paths run on node:sqlite (the engine the store uses)
// and on the `sqlite3` npm module (the engine before it), same store code, same run:
//   - batched INSERTs: SqliteDatabase.write + insertRows, 500 rows per statement and transaction,
//     on a plain table (the engine's share of a flush, no triggers);
//   - a flush of 500-check batches through store.runtime.flush (check rows + rollup triggers);
//   - one-check write transactions (a quiet engine's flush);
//   - reads: a history page of 100 checks, the status states, hourly rollup totals.
// Each engine runs in its own child process, and the engines alternate over a few rounds (the
// figures move with the machine's load); the medians are compared as node:sqlite / sqlite3.
// The sqlite3 side swaps the store's connection.ts (bench/support/swap-connection.ts) for the
// sqlite3 connection below, the store's connection as it was before node:sqlite. sqlite3 is no
// dependency of Vigil: it is looked up in the repository's node_modules, or in the install prefix
// VIGIL_BENCH_SQLITE3 names (`npm install --prefix /tmp/s3 sqlite3@6`, then
// VIGIL_BENCH_SQLITE3=/tmp/s3); VIGIL_BENCH_SQLITE3 may also name a connection module of its own.
// Without sqlite3 the comparison is skipped (said so) and the node:sqlite figures are printed.
//   node bench/sqlite-engine.ts [checks=20000] [rounds=3]

import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire, register } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConnectionOptions, Row, RunResult, SqlValue } from '../collector/store/sqlite/connection.ts';

const CHECKS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const ROLE = process.env.VIGIL_BENCH_ROLE;
/** Set by the parent for a child: the URL of the connection module that replaces the store's. */
const CONNECTION_URL = process.env.VIGIL_BENCH_CONNECTION;
/** Set by the parent for a child: the resolved path of the sqlite3 module. */
const SQLITE3_MAIN = process.env.VIGIL_BENCH_SQLITE3_MAIN;
/** This file loaded again as the sqlite3 connection module (the `?connection` URL). */
const AS_CONNECTION = new URL(import.meta.url).searchParams.has('connection');
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const MONITORS = 100;

interface Figures {
  /** What ran: sqlite_version() and whether the store's connection.ts was swapped. */
  sqliteVersion: string;
  swapped: boolean;
  /** Rows per second through insertRows, 500 per statement, one transaction per 500. */
  insertRowsPerS: number;
  /** Checks per second through store.runtime.flush in 500-check batches. */
  flushChecksPerS: number;
  /** Write transactions of one check each per second. */
  singleWritesPerS: number;
  pageReadsPerS: number;
  statusReadsPerS: number;
  rollupReadsPerS: number;
}

type Rate = Exclude<keyof Figures, 'sqliteVersion' | 'swapped'>;
const LABELS: Record<Rate, string> = {
  insertRowsPerS: 'insertRows, 500-row INSERTs  rows/s',
  flushChecksPerS: 'flush, 500-check batches  checks/s',
  singleWritesPerS: 'one-check write tx            tx/s',
  pageReadsPerS: 'history page (100 checks)  reads/s',
  statusReadsPerS: 'status states              reads/s',
  rollupReadsPerS: 'rollup totals (72 h)       reads/s',
};

async function storePaths(dir: string): Promise<Figures> {
  const { openSqliteStore } = await import('../collector/store/sqlite/index.ts');
  const { insertRows } = await import('../collector/store/sqlite/database.ts');
  const { EMPTY_FLUSH } = await import('../test/incidents/fixtures.ts');
  const store = await openSqliteStore({ path: join(dir, 'vigil.db') });
  const version = await store.db.reader.get<{ v: string }>('SELECT sqlite_version() AS v');

  await store.db.write((tx) =>
    tx.exec(
      'CREATE TABLE bench_rows (id TEXT PRIMARY KEY, history_id INTEGER, region TEXT, started_at INTEGER, ok INTEGER, timings TEXT)',
    ),
  );
  const columns = ['id', 'history_id', 'region', 'started_at', 'ok', 'timings'];
  let started = performance.now();
  for (let i = 0; i < CHECKS; i += 500) {
    const rows: SqlValue[][] = [];
    for (let k = i; k < i + 500; k++)
      rows.push([`j${k}`, (k % MONITORS) + 1, 'eu', T0 + k * 1000, 1, '{"total":8}']);
    await store.db.write((tx) => insertRows(tx, 'bench_rows', columns, rows));
  }
  const insertRowsPerS = CHECKS / ((performance.now() - started) / 1000);

  await store.db.write(async (tx) => {
    for (let h = 1; h <= MONITORS; h++) {
      await tx.run('INSERT INTO monitor_histories (history_id, first_id, created_at) VALUES (?, ?, ?)', [
        h,
        `m${h}`,
        T0,
      ]);
      await tx.run(
        `INSERT INTO monitors (history_id, id, name, spec, spec_hash, secret_hashes, secret_values, revision, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'h', '{}', '{}', 1, ?, ?)`,
        [h, `m${h}`, `m${h}`, JSON.stringify({ timeout: 15_000, paused: false }), T0, T0],
      );
    }
  });
  const checks = Array.from({ length: CHECKS }, (_, i) => checkRecord(i));
  started = performance.now();
  for (let i = 0; i < checks.length; i += 500) {
    await store.runtime.flush({ ...EMPTY_FLUSH, checks: checks.slice(i, i + 500) });
  }
  const flushChecksPerS = CHECKS / ((performance.now() - started) / 1000);

  const writes = 2000;
  started = performance.now();
  for (let i = 0; i < writes; i++) {
    await store.runtime.flush({ ...EMPTY_FLUSH, checks: [checkRecord(CHECKS + i)] });
  }
  const singleWritesPerS = writes / ((performance.now() - started) / 1000);

  const rate = async (n: number, read: (i: number) => Promise<unknown>): Promise<number> => {
    const t = performance.now();
    for (let i = 0; i < n; i++) await read(i);
    return n / ((performance.now() - t) / 1000);
  };
  const pageReadsPerS = await rate(500, (i) => store.checks.page((i % MONITORS) + 1, { limit: 100 }));
  const statusReadsPerS = await rate(200, () => store.status.states());
  const rollupReadsPerS = await rate(200, () =>
    store.status.rollupTotals(T0 - 24 * 3_600_000, T0 + 48 * 3_600_000),
  );
  await store.close();
  return {
    sqliteVersion: version?.v ?? '?',
    swapped: CONNECTION_URL !== undefined,
    insertRowsPerS,
    flushChecksPerS,
    singleWritesPerS,
    pageReadsPerS,
    statusReadsPerS,
    rollupReadsPerS,
  };
}

function checkRecord(i: number) {
  const ok = i % 10 !== 0;
  const at = T0 + i * 1000;
  return {
    id: `j${i}`,
    historyId: (i % MONITORS) + 1,
    monitorId: `m${(i % MONITORS) + 1}`,
    region: i % 2 === 0 ? 'eu' : 'us',
    runner: null,
    purpose: 'scheduled' as const,
    roundId: `round-${i}`,
    startedAt: at,
    dueAt: at,
    claimedAt: at,
    receivedAt: at + 100,
    ok,
    reason: ok ? null : ('status' as const),
    message: ok ? 'ok' : 'failed',
    status: ok ? 200 : 500,
    httpVersion: '1.1',
    remoteIp: '127.0.0.1',
    remoteFamily: 4 as const,
    // An http:// check: no TLS phase.
    timings: { resolve: 1, connect: 1, tls: null, processing: 5, transfer: 1, total: 8 + (i % 300) },
    tlsDaysLeft: null,
    detail: { phase: null, tls: null, redirects: [], assertions: [] },
    mark: null,
    hasLog: false,
  };
}

// --- The store's connection on sqlite3 (as it was before node:sqlite), used through the hook ---

// Its types are the store's own (connection.ts), so the hook swaps in the same API.
export type { ConnectionOptions, Row, RunResult, SqlValue } from '../collector/store/sqlite/connection.ts';

type Callback = (error: Error | null) => void;
interface Sqlite3Statement {
  run(params: readonly SqlValue[], callback: (this: RunResult, error: Error | null) => void): void;
  all(params: readonly SqlValue[], callback: (error: Error | null, rows: unknown[]) => void): void;
  finalize(callback: () => void): void;
}
interface Sqlite3Database {
  configure(option: 'busyTimeout', ms: number): void;
  exec(sql: string, callback: Callback): void;
  prepare(sql: string, callback: Callback): Sqlite3Statement;
  close(callback: Callback): void;
}
interface Sqlite3Module {
  OPEN_READONLY: number;
  OPEN_READWRITE: number;
  OPEN_CREATE: number;
  Database: new (path: string, mode: number, callback: Callback) => Sqlite3Database;
}

const STATEMENT_CACHE_LIMIT = 200;

export class SqliteConnection {
  readonly #db: Sqlite3Database;
  readonly #statements = new Map<string, Promise<Sqlite3Statement>>();

  private constructor(db: Sqlite3Database) {
    this.#db = db;
  }

  static async open(path: string, options: ConnectionOptions = {}): Promise<SqliteConnection> {
    if (SQLITE3_MAIN === undefined) throw new Error('VIGIL_BENCH_SQLITE3_MAIN is not set');
    const sqlite3 = createRequire(import.meta.url)(SQLITE3_MAIN) as Sqlite3Module;
    const mode = options.readonly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE;
    const db = await new Promise<Sqlite3Database>((done, fail) => {
      const handle = new sqlite3.Database(path, mode, (error) => (error ? fail(error) : done(handle)));
    });
    const connection = new SqliteConnection(db);
    db.configure('busyTimeout', options.busyTimeoutMs ?? 5000);
    await connection.exec('PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;');
    return connection;
  }

  exec(sql: string): Promise<void> {
    return new Promise((done, fail) => this.#db.exec(sql, (error) => (error ? fail(error) : done())));
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    const statement = await this.#prepare(sql);
    return new Promise((done, fail) => {
      statement.run(params, function (this: RunResult, error: Error | null) {
        if (error) fail(error);
        else done({ changes: this.changes, lastID: this.lastID });
      });
    });
  }

  async all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const statement = await this.#prepare(sql);
    return new Promise((done, fail) => {
      statement.all(params, (error, rows) => (error ? fail(error) : done(rows as T[])));
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
    await new Promise<void>((done, fail) => this.#db.close((error) => (error ? fail(error) : done())));
  }

  #prepare(sql: string): Promise<Sqlite3Statement> {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) return cached;
    if (this.#statements.size >= STATEMENT_CACHE_LIMIT) {
      const [oldestSql, oldest] = this.#statements.entries().next().value as [
        string,
        Promise<Sqlite3Statement>,
      ];
      this.#statements.delete(oldestSql);
      void oldest.then(finalize, () => undefined);
    }
    const pending = new Promise<Sqlite3Statement>((done, fail) => {
      const statement = this.#db.prepare(sql, (error) => (error ? fail(error) : done(statement)));
    });
    pending.catch(() => this.#statements.delete(sql));
    this.#statements.set(sql, pending);
    return pending;
  }
}

function finalize(statement: Sqlite3Statement): Promise<void> {
  return new Promise((done) => statement.finalize(() => done()));
}

// --- The parent: finds sqlite3, runs the children, prints the comparison ---

type Engine = 'node:sqlite' | 'sqlite3';

/** What the sqlite3 child needs, or why there is no sqlite3 side. */
function sqlite3Side(): { env: Record<string, string> } | { missing: string } {
  const given = process.env.VIGIL_BENCH_SQLITE3;
  if (given !== undefined && statSync(given, { throwIfNoEntry: false })?.isFile()) {
    return { env: { VIGIL_BENCH_CONNECTION: pathToFileURL(resolve(given)).href } };
  }
  const prefix = resolve(given ?? join(import.meta.dirname, '..'));
  let main: string;
  try {
    main = createRequire(join(prefix, 'package.json')).resolve('sqlite3');
    createRequire(import.meta.url)(main); // loads the native binding: fails here if it was not built
  } catch (error) {
    const why = (error as Error).message.split('\n')[0];
    return { missing: `sqlite3 is not installed under ${prefix} (${why})` };
  }
  return {
    env: { VIGIL_BENCH_CONNECTION: `${import.meta.url}?connection`, VIGIL_BENCH_SQLITE3_MAIN: main },
  };
}

function child(engine: Engine, env: Record<string, string>): Figures {
  // The node:sqlite child must not inherit a swap: each child gets exactly the env it is given.
  const { VIGIL_BENCH_CONNECTION: _c, VIGIL_BENCH_SQLITE3_MAIN: _m, ...inherited } = process.env;
  const out = execFileSync(process.execPath, [import.meta.filename, String(CHECKS)], {
    env: { ...inherited, ...env, VIGIL_BENCH_ROLE: 'store' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const figures = JSON.parse(out.toString('utf8')) as Figures;
  if (figures.swapped !== (engine === 'sqlite3')) throw new Error(`the ${engine} run ran the other engine`);
  return figures;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  if (ROLE === 'store') {
    // The hook (registered before the store is imported) swaps the connection for sqlite3's.
    if (CONNECTION_URL !== undefined)
      register(pathToFileURL(join(import.meta.dirname, 'support/swap-connection.ts')), {
        parentURL: import.meta.url,
        data: { target: CONNECTION_URL },
      });
    const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-sqlite-'));
    try {
      process.stdout.write(JSON.stringify(await storePaths(dir)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return;
  }

  const side = sqlite3Side();
  const engines: Engine[] = 'env' in side ? ['node:sqlite', 'sqlite3'] : ['node:sqlite'];
  console.log(
    `${CHECKS} checks over ${MONITORS} monitors, 500 per flush; ${ROUNDS} rounds, engines alternating, each run in its own process`,
  );
  if ('missing' in side) {
    console.log(
      `sqlite3 side SKIPPED: ${side.missing}.\n` +
        '  To compare: npm install --prefix /tmp/s3 sqlite3@6 && VIGIL_BENCH_SQLITE3=/tmp/s3 node bench/sqlite-engine.ts',
    );
  }
  const runs: Record<Engine, Figures[]> = { 'node:sqlite': [], sqlite3: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? engines : [...engines].reverse();
    for (const engine of order)
      runs[engine].push(child(engine, engine === 'sqlite3' && 'env' in side ? side.env : {}));
  }

  for (const engine of engines) console.log(`${engine}: SQLite ${runs[engine][0]?.sqliteVersion}`);
  const keys = Object.keys(LABELS) as Rate[];
  const fmt = (value: number) => value.toFixed(0).padStart(8);
  if (engines.length === 1) {
    console.log('\nnode:sqlite (median of the rounds):');
    for (const key of keys)
      console.log(`${LABELS[key]}  ${fmt(median(runs['node:sqlite'].map((f) => f[key])))}`);
    return;
  }
  console.log('\nmedians of the rounds        node:sqlite   sqlite3   ratio  (per-round ratios)');
  for (const key of keys) {
    const fresh = runs['node:sqlite'].map((f) => f[key]);
    const old = runs.sqlite3.map((f) => f[key]);
    const ratios = fresh.map((value, i) => value / (old[i] ?? Number.NaN)).sort((a, b) => a - b);
    console.log(
      `${LABELS[key]}  ${fmt(median(fresh))}  ${fmt(median(old))}  ${(median(fresh) / median(old)).toFixed(2)}x  (${ratios.map((r) => r.toFixed(2)).join(' ')})`,
    );
  }
}

if (!AS_CONNECTION) await main();
