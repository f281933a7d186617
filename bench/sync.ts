// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here.
// Sync benchmark: plan and apply of 10,000 monitors over real HTTP on loopback against a real
// SQLite file: create all, then change 10%, then nothing. Target: each plan and apply < 5 s.
// Baselines measured in the same run: (a) JSON stringify + parse + sha256 of the request body,
// the least any server must do with it; (b) a bare multi-row INSERT of the same spec rows in one
// transaction, the least the store must do.
//   node bench/sync.ts [count] [rounds]
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncPlan } from '../client/collector-client.ts';
import { createApp } from '../collector/app.ts';
import { DEFAULT_CONFIG } from '../collector/config/config.ts';
import { insertRows, SqliteDatabase } from '../collector/store/sqlite/database.ts';
import { hashSpec } from '../collector/sync/secrets.ts';
import { sync } from '../collector/sync/sync-service.ts';
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

const ROUNDS = Number(process.argv[3] ?? 3);
const STEPS = [
  { name: 'plan   create 10k (empty collector)', generation: 0, dryRun: true, create: COUNT, update: 0 },
  { name: 'apply  create 10k', generation: 0, dryRun: false, create: COUNT, update: 0 },
  { name: 'plan   10% changed', generation: 1, dryRun: true, create: 0, update: COUNT / 10 },
  { name: 'apply  10% changed', generation: 1, dryRun: false, create: 0, update: COUNT / 10 },
  { name: 'plan   unchanged', generation: 1, dryRun: true, create: 0, update: 0 },
  { name: 'apply  unchanged', generation: 1, dryRun: false, create: 0, update: 0 },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-sync-'));
try {
  const body = JSON.stringify(request(0, false));
  const baselineA: number[] = [];
  const baselineB: number[] = [];
  const stepTimes: number[][] = STEPS.map(() => []);
  const lastPlans: SyncPlan[] = [];

  // Each round: both baselines, then the six steps against a fresh collector (fresh SQLite file).
  // Medians over rounds, since other work on a 2-core machine makes single runs noisy.
  for (let round = 0; round < ROUNDS; round++) {
    // Baseline (a): the least any server does with the request: stringify, parse, hash it.
    baselineA.push(
      (
        await time(async () => {
          const parsed = JSON.parse(JSON.stringify(request(0, false))) as SyncRequest;
          const hash = createHash('sha256');
          for (const m of parsed.monitors) hash.update(JSON.stringify(m));
          return hash.digest('hex');
        })
      ).ms,
    );
    // Baseline (b): the least the store does: one multi-row INSERT of the same rows.
    const rawDb = await SqliteDatabase.open(join(dir, `raw-${round}.db`));
    await rawDb.write((tx) =>
      tx.exec('CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT, spec TEXT, hash TEXT)'),
    );
    const rows = (JSON.parse(body) as SyncRequest).monitors.map((m) => {
      const spec = JSON.stringify(m);
      const record = m as { id: string; name: string };
      return [record.id, record.name, spec, createHash('sha256').update(spec).digest('hex')];
    });
    baselineB.push(
      (await time(() => rawDb.write((tx) => insertRows(tx, 't', ['id', 'name', 'spec', 'hash'], rows)))).ms,
    );
    await rawDb.close();

    const app = await createApp({
      config: { ...DEFAULT_CONFIG, db: join(dir, `vigil-${round}.db`), adminToken: TOKEN, port: 0 },
      logger: false,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const client = {
      url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
      token: TOKEN,
    };
    for (const [index, step] of STEPS.entries()) {
      const { ms, value } = await time(() => syncPlan(client, request(step.generation, step.dryRun)));
      if (value.counts.create !== step.create || value.counts.update !== step.update) {
        throw new Error(`${step.name}: unexpected counts ${JSON.stringify(value.counts)}`);
      }
      stepTimes[index]!.push(ms);
      lastPlans[index] = value;
    }
    await app.close();
  }

  const a = median(baselineA);
  const b = median(baselineB);
  const mib = (body.length / 1024 / 1024).toFixed(1);
  console.log(
    `sync benchmark: ${COUNT} monitors, request body ${mib} MiB, Node ${process.version}, median of ${ROUNDS} rounds`,
  );
  console.log(`baseline a: stringify+parse+sha256 of the request   ${a.toFixed(0).padStart(6)} ms`);
  console.log(`baseline b: bare multi-row INSERT of ${COUNT} rows     ${b.toFixed(0).padStart(6)} ms`);
  console.log('');
  console.log(
    'step                                 median ms   ×a     ×b    counts                     target',
  );
  for (const [index, step] of STEPS.entries()) {
    const ms = median(stepTimes[index]!);
    const c = lastPlans[index]!.counts;
    const counts = `c${c.create} u${c.update} r${c.replace} d${c.delete} =${c.unchanged}`;
    console.log(
      `${step.name.padEnd(36)} ${ms.toFixed(0).padStart(6)} ${(ms / a).toFixed(1).padStart(5)} ${(ms / b).toFixed(1).padStart(6)}    ${counts.padEnd(26)} ${ms < 5000 ? 'ok (<5 s)' : 'MISSED (>=5 s)'}`,
    );
  }

  // Where a plan's time goes: the same work done piece by piece, in process.
  const parts: [string, number][] = [];
  const wireBody = JSON.stringify(request(1, true));
  let t = performance.now();
  const parsed = JSON.parse(wireBody) as SyncRequest;
  parts.push(['JSON.parse of the body', performance.now() - t]);
  t = performance.now();
  const { specs } = validateMonitorList(parsed.monitors, 'request');
  parts.push(['validateMonitorList (schema + rules)', performance.now() - t]);
  t = performance.now();
  for (const spec of specs) specHash(spec, { BENCH_TOKEN: 'f' });
  parts.push(['(schema/hash.ts specHash × count: not used)', performance.now() - t]);
  t = performance.now();
  const entries = specs.map((spec) => ({
    spec,
    hash: hashSpec(spec, { BENCH_TOKEN: 'f' }),
    secretHashes: {},
  }));
  parts.push(['collector hashSpec × count', performance.now() - t]);
  t = performance.now();
  diffPlan(entries, entries, { prune: true });
  planId(entries, entries, { prune: true });
  parts.push(['diffPlan + planId (unchanged)', performance.now() - t]);
  t = performance.now();
  JSON.stringify(wire[1]);
  parts.push(['client JSON.stringify of the body', performance.now() - t]);

  // And of one apply (create): the sync itself (validate, hash, plan, one write transaction),
  // then the engine's reconcile the route awaits before answering.
  const probe = await createApp({
    config: { ...DEFAULT_CONFIG, db: join(dir, 'breakdown.db'), adminToken: TOKEN },
    logger: false,
  });
  const ctx = probe.vigil;
  t = performance.now();
  await sync(
    { monitors: ctx.store.monitors, fingerprintKey: ctx.fingerprintKey, now: Date.now },
    request(0, false),
  );
  parts.push(['apply create: sync() (validate…write, no HTTP)', performance.now() - t]);
  t = performance.now();
  await ctx.runtime.engine.reconcile();
  parts.push(['apply create: engine reconcile', performance.now() - t]);
  await probe.close();
  console.log('\nbreakdown (in process, one run):');
  for (const [name, ms] of parts) console.log(`  ${name.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms`);
  console.log(`\nrss ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
