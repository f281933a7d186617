// Soak benchmark: one collector (no embedded runner), two runner processes in regions `a` and `b`
// (region keys), and 2,000 monitors at a 30 s interval against local targets (bench/soak/target.ts,
// its own process) of which one in ten breaks for 75 s every 4 minutes on a known schedule
// (bench/soak/flips.ts). Runs 30 minutes by default. Reports:
//   - memory: RSS of the collector and both runners and the collector's V8 heap, sampled every
//     5 s; flat = the slope of a least-squares line over the last 2/3 of the run, in MB/min, and
//     the last sample against the first of that window (bench/soak/fit.ts);
//   - rounds: every slot of every monitor has its scheduled (or down) round among the checks the
//     collector stored, and which region ran it (one region per scheduled round, alternating);
//     the baseline of the same run is the number of slots due;
//   - flips: every scheduled outage confirmed down by the first slot after it began (+ slack) and
//     resolved by the first slot after it ended; no incident on a monitor that never failed.
//
//   node bench/soak.ts [--minutes 30] [--monitors 2000] [--concurrency 50]
//   npm run bench -- soak        (30 minutes; not part of the default `npm run bench`)
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { EngineStats } from '../collector/engine/engine.ts';
import { auditFlips, auditRounds } from './soak/audit.ts';
import { type Point, type Trend, trendOf } from './soak/fit.ts';
import type { FlipPlan } from './soak/flips.ts';
import { procSample, startCollector, startRunner, startTarget, stop, waitForLine } from './soak/procs.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    monitors: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '50' },
  },
});
const MINUTES = Number(values.minutes);
const COUNT = Number(values.monitors);
const CONCURRENCY = Number(values.concurrency);
const INTERVAL = 30_000;
const SAMPLE_MS = 5_000;
/** Time a due round or a confirmation may take on a loaded two-core machine. */
const SLACK_MS = 10_000;
const TOKEN = `soak-${randomBytes(12).toString('hex')}`;
const KEYS = {
  a: `soak-key-a-${randomBytes(8).toString('hex')}`,
  b: `soak-key-b-${randomBytes(8).toString('hex')}`,
};

const id = (i: number) => `soak-${String(i).padStart(5, '0')}`;
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-soak-'));
  // Outages start after the sync and the first round of every monitor.
  const plan: FlipPlan = { t0: Date.now(), warmupMs: 90_000, periodMs: 240_000, downMs: 75_000, every: 10 };
  const target = startTarget(JSON.stringify(plan), COUNT, 4);
  const collector = startCollector(dir, TOKEN, KEYS);
  const runners: ReturnType<typeof startRunner>[] = [];
  try {
    const [ports, base] = await Promise.all([
      waitForLine(target, 'stdout', /ports (\S+)/),
      waitForLine(collector, 'stderr', /vigil collector: listening on (\S+)/),
    ]);
    const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
      const response = await fetch(`${base}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      });
      if (!response.ok)
        throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    for (const region of ['a', 'b'] as const) {
      const runner = startRunner(base, region, KEYS[region], CONCURRENCY);
      runners.push(runner);
      await waitForLine(runner, 'stderr', /vigil runner: (registered) /);
    }

    const portList = ports.split(',');
    const ids = Array.from({ length: COUNT }, (_, i) => id(i));
    await api('/v1/sync', {
      method: 'POST',
      body: JSON.stringify({
        revision: 'soak',
        monitors: ids.map((mid, i) => ({
          id: mid,
          url: `http://127.0.0.1:${portList[i % portList.length]}/m/${i}`,
          interval: '30s',
          timeout: '5s',
          confirm: { regions: 1 },
          recover: { checks: 1 },
          flapping: false,
        })),
      }),
    });
    const syncedAt = Date.now();
    const end = plan.t0 + MINUTES * 60_000;
    process.stderr.write(
      `soak: ${COUNT} monitors synced in ${fmt((syncedAt - plan.t0) / 1000)} s; running until t+${MINUTES} min\n`,
    );

    const pids = { collector: collector.pid!, 'runner a': runners[0]!.pid!, 'runner b': runners[1]!.pid! };
    const series: Record<string, Point[]> = { 'collector heap': [] };
    for (const name of Object.keys(pids)) series[`${name} RSS`] = [];
    const cpuStart = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, procSample(pid).cpuSec]));
    let lastLog = Date.now();
    while (Date.now() < end) {
      await sleep(Math.min(SAMPLE_MS, Math.max(0, end - Date.now())));
      const at = Date.now();
      for (const [name, pid] of Object.entries(pids))
        series[`${name} RSS`]!.push({ at, value: procSample(pid).rssMb });
      const stats = await api<EngineStats>('/v1/engine/stats');
      series['collector heap']!.push({ at, value: stats.memory.heapUsed });
      if (at - lastLog >= 60_000) {
        lastLog = at;
        process.stderr.write(
          `soak: t+${fmt((at - plan.t0) / 60_000)} min  collector ${fmt(series['collector RSS']!.at(-1)!.value)} MB (heap ${stats.memory.heapUsed})  runners ${fmt(series['runner a RSS']!.at(-1)!.value)} / ${fmt(series['runner b RSS']!.at(-1)!.value)} MB  results ${stats.results.accepted}  states ${JSON.stringify(stats.states)}\n`,
        );
      }
    }
    const stats = await api<EngineStats>('/v1/engine/stats');
    const cpu = Object.fromEntries(
      Object.entries(pids).map(([n, pid]) => [
        n,
        (procSample(pid).cpuSec - cpuStart[n]!) / ((Date.now() - syncedAt) / 1000),
      ]),
    );
    // Rounds due from the sync until one slack before the end (the last ones may be in flight).
    const rounds = await auditRounds(api, ids, plan, INTERVAL, syncedAt, end - SLACK_MS);
    const flips = await auditFlips(api, ids, plan, INTERVAL, end, SLACK_MS);
    report({ series, end, syncedAt, cpu, stats, rounds, flips });
  } finally {
    for (const runner of runners) await stop(runner);
    await stop(collector);
    await stop(target);
    await rm(dir, { recursive: true, force: true });
  }
}

function report(r: {
  series: Record<string, Point[]>;
  end: number;
  syncedAt: number;
  cpu: Record<string, number>;
  stats: EngineStats;
  rounds: Awaited<ReturnType<typeof auditRounds>>;
  flips: Awaited<ReturnType<typeof auditFlips>>;
}): void {
  const row = (name: string, t: Trend) =>
    `  ${name.padEnd(16)} ${fmt(t.first).padStart(8)} ${fmt(t.last).padStart(8)} ${fmt(t.max).padStart(8)} ${fmt(t.slope, 2).padStart(9)} ${fmt(t.ratio, 3).padStart(8)}`;
  const { rounds, flips, stats } = r;
  const lines = [
    '',
    `Soak: ${COUNT} monitors @ 30 s, collector + runners in regions a and b (concurrency ${CONCURRENCY}), ${MINUTES} min, 2 shared cores`,
    '',
    `  memory over the last 2/3 (MB)   first     last      max  MB/min  last/first`,
    ...Object.entries(r.series).map(([name, points]) => row(name, trendOf(points, r.syncedAt, r.end, 2 / 3))),
    `  CPU (share of one core)        ${Object.entries(r.cpu)
      .map(([n, c]) => `${n} ${fmt(c * 100)} %`)
      .join(', ')}`,
    '',
    `  rounds: ${rounds.slots} slots due (baseline) -> ${rounds.slots - rounds.missing} run = ${fmt((rounds.slots - rounds.missing) / rounds.slots, 4)} x; missing ${rounds.missing} (${rounds.missingStable} of monitors that never fail)`,
    `  scheduled checks by region ${JSON.stringify(rounds.byRegion)}; next round in the other region ${fmt(rounds.alternation * 100)} %`,
    `  engine: missed ${JSON.stringify(stats.missed)}, skipped slots ${stats.scheduler.skippedSlots}, re-queued ${stats.requeued}, rejected ${stats.results.rejected}, flushes ${stats.flush.flushes} (longest ${fmt(stats.flush.maxMs)} ms)`,
    `  flips: outages ${flips.outages} (judged) -> detected ${flips.detected} = ${fmt(flips.detected / flips.outages, 4)} x; recoveries ${flips.recoveries} -> resolved in time ${flips.recovered} = ${fmt(flips.recovered / flips.recoveries, 4)} x; incidents on never-failing monitors ${flips.falseIncidents}`,
    `  break -> down  p50 ${fmt(pct(flips.toDown, 0.5) / 1000)} s, max ${fmt(Math.max(...flips.toDown) / 1000)} s (= ${fmt(Math.max(...flips.toDown) / INTERVAL, 3)} x one interval: waits for the next slot)`,
    `  first failure -> confirmed  p50 ${fmt(pct(flips.confirm, 0.5))} ms, max ${fmt(Math.max(...flips.confirm))} ms`,
    `  back up -> resolved  p50 ${fmt(pct(flips.toUp, 0.5) / 1000)} s, max ${fmt(Math.max(...flips.toUp) / 1000)} s`,
    ...[...rounds.examples, ...flips.examples].map((e) => `  e.g. ${e}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
