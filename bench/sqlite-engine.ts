// SQLite engine benchmark: the store's real paths (runtime flush of check batches with the rollup
// triggers, single-row writes in transactions, status and history reads) run on the engine the
// store uses (node:sqlite), each in its own child process. Baseline from the same run: the same
// INSERTs as bare node:sqlite statements without the store. When VIGIL_BENCH_SQLITE3 names a
// connection module built on the `sqlite3` npm package (the engine Vigil used before), the same
// store paths run on it too, through a module hook that swaps connection.ts, for the ratio
// node:sqlite / sqlite3 (the figures behind the switch are in the README).
//   node bench/sqlite-engine.ts [checks]
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const CHECKS = Number(process.argv[2] ?? 20_000);
const ROLE = process.env.VIGIL_BENCH_ROLE;
const SQLITE3 = process.env.VIGIL_BENCH_SQLITE3;
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const MONITORS = 100;

interface Figures {
  /** Checks per second through store.runtime.flush in 500-check batches. */
  flushChecksPerS: number;
  /** Write transactions of one check each per second (a quiet engine's flush). */
  singleWritesPerS: number;
  /** Reads per second: a history page of 100 checks, the status states, hourly rollups. */
  pageReadsPerS: number;
  statusReadsPerS: number;
  rollupReadsPerS: number;
}

async function storePaths(dir: string): Promise<Figures> {
  const { openSqliteStore } = await import('../collector/store/sqlite/index.ts');
  const { EMPTY_FLUSH } = await import('../test/incidents/fixtures.ts');
  const store = await openSqliteStore({ path: join(dir, 'vigil.db') });
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
  let started = performance.now();
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
  return { flushChecksPerS, singleWritesPerS, pageReadsPerS, statusReadsPerS, rollupReadsPerS };
}

/** The baseline: the checks table's INSERTs as bare node:sqlite statements, 500 rows each. */
async function bareInserts(dir: string): Promise<number> {
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(dir, 'bare.db'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  db.exec(
    'CREATE TABLE checks (id TEXT PRIMARY KEY, history_id INTEGER, region TEXT, started_at INTEGER, ok INTEGER, timings TEXT)',
  );
  const insert = db.prepare(`INSERT INTO checks VALUES ${Array(500).fill('(?,?,?,?,?,?)').join(',')}`);
  const started = performance.now();
  for (let i = 0; i < CHECKS; i += 500) {
    db.exec('BEGIN IMMEDIATE');
    const params = [];
    for (let k = i; k < i + 500; k++)
      params.push(`j${k}`, (k % MONITORS) + 1, 'eu', T0 + k * 1000, 1, '{"total":8}');
    insert.run(...params);
    db.exec('COMMIT');
  }
  db.close();
  return CHECKS / ((performance.now() - started) / 1000);
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
    timings: { resolve: 1, connect: 1, tls: 0, processing: 5, transfer: 1, total: 8 + (i % 300) },
    tlsDaysLeft: null,
    detail: { phase: null, tls: null, redirects: [], assertions: [] },
    mark: null,
    hasLog: false,
  };
}

function child(role: string, env: Record<string, string> = {}): Figures | number {
  const out = execFileSync(process.execPath, [import.meta.filename, String(CHECKS)], {
    env: { ...process.env, ...env, VIGIL_BENCH_ROLE: role },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.toString('utf8')) as Figures | number;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-sqlite-'));
  try {
    if (ROLE === 'bare') return void process.stdout.write(JSON.stringify(await bareInserts(dir)));
    if (ROLE === 'store') {
      // The hook (registered before the store is imported) swaps the connection for the baseline.
      if (SQLITE3 !== undefined)
        register(pathToFileURL(join(import.meta.dirname, 'support/swap-connection.ts')), {
          parentURL: import.meta.url,
          data: { target: pathToFileURL(SQLITE3).href },
        });
      return void process.stdout.write(JSON.stringify(await storePaths(dir)));
    }
    console.log(`${CHECKS} checks over ${MONITORS} monitors, 500 per flush; each engine in its own process`);
    const bare = child('bare') as number;
    const node = child('store') as Figures;
    const line = (name: string, value: number, base: number, unit: string) =>
      console.log(
        `${name.padEnd(34)} ${value.toFixed(0).padStart(8)} ${unit}  ${(value / base).toFixed(2)}x`,
      );
    console.log(`bare node:sqlite 500-row INSERTs     ${bare.toFixed(0).padStart(8)} rows/s   (baseline)`);
    line('store flush (node:sqlite)', node.flushChecksPerS, bare, 'checks/s vs bare');
    if (SQLITE3 === undefined) {
      console.log(
        '(set VIGIL_BENCH_SQLITE3=<connection module on sqlite3> to compare with the sqlite3 engine)',
      );
      for (const [k, v] of Object.entries(node))
        console.log(`${k.padEnd(34)} ${v.toFixed(0).padStart(8)} /s`);
      return;
    }
    const old = child('store', { VIGIL_BENCH_SQLITE3: SQLITE3 }) as Figures;
    console.log('\nnode:sqlite vs sqlite3 (same store code, same run):');
    for (const key of Object.keys(node) as (keyof Figures)[]) {
      console.log(
        `${key.padEnd(34)} ${node[key].toFixed(0).padStart(8)} vs ${old[key].toFixed(0).padStart(8)} /s  ${(node[key] / old[key]).toFixed(2)}x`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
