// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here.
// Sync benchmark: plan and apply of 10,000 monitors over real HTTP on loopback against a real
// SQLite file: create all, then change 10%, then nothing. Target: each plan and apply < 5 s.
// Baselines measured in the same run: (a) JSON stringify + parse + sha256 of the request body,
// the least any server must do with it; (b) a bare multi-row INSERT of the same spec rows in one
// transaction, the least the store must do.
//   node bench/sync.ts [count]
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../collector/app.ts';
import { syncPlan } from '../collector/client.ts';
import { DEFAULT_CONFIG } from '../collector/config.ts';
import { insertRows, SqliteDatabase } from '../collector/store/sqlite/database.ts';
import { specHash } from '../schema/hash.ts';
import { toDocument } from '../schema/normalize.ts';
import { diffPlan, planId } from '../schema/plan.ts';
import type { SyncPlan, SyncRequest } from '../schema/plan-types.ts';
import { validateMonitorList } from '../schema/validate.ts';

const COUNT = Number(process.argv[2] ?? 10_000);
const TOKEN = 'bench-admin-token-0123456789';

function monitor(i: number, generation: number): Record<string, unknown> {
  const id = `m-${String(i).padStart(5, '0')}`;
  return {
    id,
    name: `Service ${i}`,
    url: `https://svc-${i}.example.invalid/health?x=${i}`,
    headers: { 'X-Bench': `v${i % 7}`, Authorization: 'Bearer ${BENCH_TOKEN}' },
    keywords: ['ok'],
    interval: generation > 0 && i % 10 === 0 ? '2m' : '1m',
    alert: { labels: ['bench'], after: '3m' },
  };
}

/** What `vigil plan/apply` sends: locally validated specs in the language form, every key explicit. */
const wire = [0, 1].map((generation) => {
  const { specs, diagnostics } = validateMonitorList(
    Array.from({ length: COUNT }, (_, i) => monitor(i, generation)),
    'bench',
  );
  if (diagnostics.length > 0) throw new Error(JSON.stringify(diagnostics[0]));
  return specs.map(toDocument);
});

function request(generation: number, dryRun: boolean): SyncRequest {
  return {
    revision: `gen-${generation}`,
    monitors: wire[generation]!,
    secrets: { BENCH_TOKEN: 'bench-secret-value' },
    prune: true,
    dryRun,
  };
}

async function time<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-sync-'));
try {
  // Baseline (a): the request body itself.
  const body = JSON.stringify(request(0, false));
  const parseHash = await time(async () => {
    const text = JSON.stringify(request(0, false));
    const parsed = JSON.parse(text) as SyncRequest;
    const hash = createHash('sha256');
    for (const m of parsed.monitors) hash.update(JSON.stringify(m));
    return hash.digest('hex');
  });

  // Baseline (b): a bare multi-row insert of the same rows.
  const rawDb = await SqliteDatabase.open(join(dir, 'raw.db'));
  await rawDb.write((tx) => tx.exec('CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT, spec TEXT, hash TEXT)'));
  const rows = (JSON.parse(body) as SyncRequest).monitors.map((m) => {
    const spec = JSON.stringify(m);
    const record = m as { id: string; name: string };
    return [record.id, record.name, spec, createHash('sha256').update(spec).digest('hex')];
  });
  const rawInsert = await time(() =>
    rawDb.write((tx) => insertRows(tx, 't', ['id', 'name', 'spec', 'hash'], rows)),
  );
  await rawDb.close();

  const app = await createApp({
    config: { ...DEFAULT_CONFIG, db: join(dir, 'vigil.db'), adminToken: TOKEN, port: 0 },
    logger: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  const client = { url: `http://127.0.0.1:${address.port}`, token: TOKEN };

  const results: { step: string; ms: number; plan: SyncPlan }[] = [];
  const step = async (name: string, generation: number, dryRun: boolean) => {
    const { ms, value } = await time(() => syncPlan(client, request(generation, dryRun)));
    results.push({ step: name, ms, plan: value });
  };
  await step('plan   create 10k (empty collector)', 0, true);
  await step('apply  create 10k', 0, false);
  await step('plan   10% changed', 1, true);
  await step('apply  10% changed', 1, false);
  await step('plan   unchanged', 1, true);
  await step('apply  unchanged', 1, false);
  await app.close();

  const mib = (body.length / 1024 / 1024).toFixed(1);
  console.log(`sync benchmark: ${COUNT} monitors, request body ${mib} MiB, Node ${process.version}`);
  console.log(
    `baseline a: stringify+parse+sha256 of the request   ${parseHash.ms.toFixed(0).padStart(6)} ms`,
  );
  console.log(
    `baseline b: bare multi-row INSERT of ${COUNT} rows     ${rawInsert.ms.toFixed(0).padStart(6)} ms`,
  );
  console.log('');
  console.log(
    'step                                     ms   ×a     ×b    counts                         target',
  );
  for (const r of results) {
    const c = r.plan.counts;
    const counts = `c${c.create} u${c.update} r${c.replace} d${c.delete} =${c.unchanged}`;
    console.log(
      `${r.step.padEnd(36)} ${r.ms.toFixed(0).padStart(6)} ${(r.ms / parseHash.ms).toFixed(1).padStart(5)} ${(r.ms / rawInsert.ms).toFixed(1).padStart(6)}    ${counts.padEnd(30)} ${r.ms < 5000 ? 'ok (<5 s)' : 'MISSED (>=5 s)'}`,
    );
  }
  const expected = [
    [COUNT, 0],
    [COUNT, 0],
    [0, COUNT / 10],
    [0, COUNT / 10],
    [0, 0],
    [0, 0],
  ];
  results.forEach((r, i) => {
    const [create, update] = expected[i]!;
    if (r.plan.counts.create !== create || r.plan.counts.update !== update) {
      throw new Error(`${r.step}: unexpected counts ${JSON.stringify(r.plan.counts)}`);
    }
  });
  // Where a step's time goes: the same work done piece by piece, in process.
  const parts: [string, number][] = [];
  const wireBody = JSON.stringify(request(1, true));
  let t = performance.now();
  const parsed = JSON.parse(wireBody) as SyncRequest;
  parts.push(['JSON.parse of the body', performance.now() - t]);
  t = performance.now();
  const { specs } = validateMonitorList(parsed.monitors, 'request');
  parts.push(['validateMonitorList (schema + rules)', performance.now() - t]);
  t = performance.now();
  const entries = specs.map((spec) => ({
    spec,
    hash: specHash(spec, { BENCH_TOKEN: 'f' }),
    secretHashes: {},
  }));
  parts.push(['specHash × count', performance.now() - t]);
  t = performance.now();
  diffPlan(entries, entries, { prune: true });
  planId(entries, entries, { prune: true });
  parts.push(['diffPlan + planId (unchanged)', performance.now() - t]);
  t = performance.now();
  JSON.stringify(wire[1]);
  parts.push(['client JSON.stringify of the body', performance.now() - t]);
  console.log('\nbreakdown of one plan (in process):');
  for (const [name, ms] of parts) console.log(`  ${name.padEnd(38)} ${ms.toFixed(0).padStart(6)} ms`);
  console.log(`\nrss ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
