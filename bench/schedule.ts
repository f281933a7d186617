// Scheduling benchmark: one collector process (with its embedded runner, region `local`) and
// 10,000 monitors at a 60 s interval against a local target (a tiny Node HTTP server in its own
// process), for a bounded time. Measures:
//   - lateness of each check's start (job claimed) against its due time: p50 / p99 / max, from the
//     engine's histogram (GET /v1/engine/stats), over the steady window after warm-up;
//   - checks/s sustained, against the due rate (monitors / 60 s) as the baseline of the same run;
//   - collector RSS and CPU (from /proc, sampled every second); event-loop delay;
//   - detection: one monitor's target flips to 500; time from its first failing check to `down`
//     (target: within one timeout of the first failure; single region = 5 s re-checks).
// Targets: p99 lateness < 1 s, collector RSS < 300 MB.
//
//   node bench/schedule.ts [--duration 5m|90s] [--monitors 10000] [--concurrency 50]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { EngineStats } from '../collector/engine/engine.ts';
import type { HistogramSnapshot } from '../collector/engine/stats.ts';
import { nextSlot, slotOffset } from '../collector/scheduler/slots.ts';
import { stop, waitForLine } from './soak/procs.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'cli/main.ts');
const INTERVAL = 60_000;
const TIMEOUT = 15_000;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5m' },
    monitors: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '50' },
  },
});

function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!m) throw new Error(`--duration: expected e.g. 90s or 5m, got ${text}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

const DURATION = parseDuration(values.duration!);
const COUNT = Number(values.monitors);
const CONCURRENCY = Number(values.concurrency);
const TOKEN = `bench-${randomBytes(12).toString('hex')}`;
const CLK_TCK = 100;

// ---------------------------------------------------------------- processes

const TARGET_SCRIPT = `
import http from 'node:http';
const failing = new Set();
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url.startsWith('/__fail/')) {
    failing.add(req.url.slice('/__fail'.length));
    res.end('ok');
    return;
  }
  res.statusCode = failing.has(req.url) ? 500 : 200;
  res.setHeader('content-type', 'text/plain');
  res.end(res.statusCode === 200 ? 'ok' : 'broken');
});
server.keepAliveTimeout = 1000;
server.listen(0, '127.0.0.1', () => process.stdout.write('port ' + server.address().port + '\\n'));
`;

// ---------------------------------------------------------------- /proc sampling

function procSample(pid: number): { rssMb: number; cpuSec: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSec = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  return { rssMb: rssKb / 1024, cpuSec };
}

// ---------------------------------------------------------------- collector API

// The answer of GET /v1/engine/stats, as the engine types it.
type Hist = Pick<HistogramSnapshot, 'count' | 'buckets'>;
type Stats = EngineStats;

async function api<T>(base: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
  });
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Percentiles of the difference of two cumulative histograms. */
function windowPercentiles(
  before: Hist,
  after: Hist,
): { count: number; p50: number; p99: number; max: number } {
  const prior = new Map(before.buckets);
  const diff: Array<[number, number]> = [];
  for (const [ms, n] of after.buckets) {
    const d = n - (prior.get(ms) ?? 0);
    if (d > 0) diff.push([ms, d]);
  }
  const count = diff.reduce((s, [, n]) => s + n, 0);
  const at = (p: number) => {
    const rank = Math.max(1, Math.ceil(p * count));
    let seen = 0;
    for (const [ms, n] of diff) {
      seen += n;
      if (seen >= rank) return ms;
    }
    return Number.NaN;
  };
  return {
    count,
    p50: at(0.5),
    p99: at(0.99),
    max: diff.length > 0 ? diff[diff.length - 1]![0] : Number.NaN,
  };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const id = (i: number) => `m-${String(i).padStart(5, '0')}`;
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

// ---------------------------------------------------------------- run

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-schedule-'));
  const target = spawn(process.execPath, ['--input-type=module', '-e', TARGET_SCRIPT], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const collector = spawn(process.execPath, [CLI, 'collector'], {
    cwd: dir,
    env: {
      ...process.env,
      VIGIL_HOST: '127.0.0.1',
      VIGIL_PORT: '0',
      VIGIL_DB: join(dir, 'vigil.db'),
      VIGIL_ADMIN_TOKEN: TOKEN,
      VIGIL_LOG_LEVEL: 'warn',
      VIGIL_EMBEDDED_RUNNER: 'true',
      VIGIL_EMBEDDED_CONCURRENCY: String(CONCURRENCY),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const [port, base] = await Promise.all([
      waitForLine(target, 'stdout', /port (\d+)/, 30_000),
      waitForLine(collector, 'stderr', /vigil collector: listening on (\S+)/, 30_000),
    ]);
    const targetUrl = `http://127.0.0.1:${port}`;
    const pid = collector.pid!;
    const idle = procSample(pid);

    // 10,000 monitors at 60 s (the language's defaults otherwise: 15 s timeout, confirm 3).
    const syncStart = performance.now();
    await api(base, '/v1/sync', {
      method: 'POST',
      body: JSON.stringify({
        revision: 'bench',
        monitors: Array.from({ length: COUNT }, (_, i) => ({
          id: id(i),
          url: `${targetUrl}/m/${id(i)}`,
          interval: '1m',
        })),
      }),
    });
    const syncMs = performance.now() - syncStart;
    const t0 = Date.now();
    process.stderr.write(
      `bench: ${COUNT} monitors applied in ${fmt(syncMs / 1000, 2)} s; running ${values.duration} (collector pid ${pid}, rss idle ${fmt(idle.rssMb)} MB)\n`,
    );

    // Warm-up: new monitors' first rounds spread over the first minute; measure after it.
    const warmup = Math.min(INTERVAL, DURATION / 3);
    const samples: Array<{ at: number; rssMb: number; cpuSec: number }> = [];
    let start: { stats: Stats; proc: { rssMb: number; cpuSec: number }; at: number } | null = null;
    let lastReport = t0;
    while (Date.now() - t0 < DURATION) {
      await sleep(1000);
      const p = procSample(pid);
      samples.push({ at: Date.now(), ...p });
      if (!start && Date.now() - t0 >= warmup) {
        start = { stats: await api<Stats>(base, '/v1/engine/stats'), proc: p, at: Date.now() };
      }
      if (Date.now() - lastReport >= 15_000) {
        lastReport = Date.now();
        const s = await api<Stats>(base, '/v1/engine/stats');
        process.stderr.write(
          `bench: t+${Math.round((Date.now() - t0) / 1000)} s  results ${s.results.accepted}  rss ${fmt(p.rssMb)} MB (heap ${s.memory.heapUsed}/${s.memory.heapTotal}, physical ${s.memory.heapPhysical}, malloc ${s.memory.malloced}, external ${s.memory.external})  loop p99 ${s.loop.delayP99Ms} max ${s.loop.delayMaxMs}  queue ${s.queue.queued}/${s.queue.leased}  states ${JSON.stringify(s.states)}\n`,
        );
      }
    }
    const end = { stats: await api<Stats>(base, '/v1/engine/stats'), proc: procSample(pid), at: Date.now() };
    if (!start) throw new Error('duration too short for a measurement window');

    // Detection: a monitor due in 8-20 s flips to 500 now; time from its first failing check to down.
    const now = Date.now();
    let victim = -1;
    let due = 0;
    for (let i = 0; i < COUNT; i++) {
      const d = nextSlot(now, INTERVAL, slotOffset(id(i), INTERVAL));
      if (d - now >= 8_000 && d - now <= 20_000) {
        victim = i;
        due = d;
        break;
      }
    }
    let detection: { firstFailure: number; down: number; flip: number } | null = null;
    if (victim >= 0) {
      const flip = Date.now();
      await fetch(`${targetUrl}/__fail/m/${id(victim)}`, { method: 'POST' });
      const deadline = due + 60_000;
      while (Date.now() < deadline) {
        await sleep(200);
        const m = await api<{ state: string; since: string }>(base, `/v1/monitors/${id(victim)}`);
        if (m.state === 'down') {
          const page = await api<{ checks: Array<{ ok: boolean; at: string; purpose: string }> }>(
            base,
            `/v1/monitors/${id(victim)}/checks?since=${flip}&limit=100`,
          );
          const failures = page.checks.filter((c) => !c.ok).map((c) => Date.parse(c.at));
          detection = { firstFailure: Math.min(...failures), down: Date.parse(m.since), flip };
          break;
        }
      }
    }

    // ---------------------------------------------------------------- figures
    const windowS = (end.at - start.at) / 1000;
    const lat = windowPercentiles(start.stats.lateness.periodic, end.stats.lateness.periodic);
    const all = windowPercentiles({ count: 0, buckets: [] }, end.stats.lateness.periodic);
    const accepted = end.stats.results.accepted - start.stats.results.accepted;
    const checksPerS = accepted / windowS;
    const dueRate = COUNT / (INTERVAL / 1000);
    const claimsPerS = lat.count / windowS;
    const cpuPct = ((end.proc.cpuSec - start.proc.cpuSec) / windowS) * 100;
    const inWindow = samples.filter((s) => s.at >= start.at);
    const rssMax = Math.max(...inWindow.map((s) => s.rssMb), end.proc.rssMb);
    const rssMean = inWindow.reduce((s, x) => s + x.rssMb, 0) / Math.max(1, inWindow.length);
    const missed = Object.fromEntries(
      Object.entries(end.stats.missed).map(([k, v]) => [
        k,
        v - start.stats.missed[k as keyof Stats['missed']],
      ]),
    );

    const lines = [
      '',
      `Scheduling benchmark: ${COUNT} monitors @ 60 s, 1 collector + embedded runner (concurrency ${CONCURRENCY}), 2 cores`,
      `  run ${fmt((end.at - t0) / 1000, 0)} s, measured window ${fmt(windowS, 0)} s after ${fmt(warmup / 1000, 0)} s warm-up`,
      `  baseline (same run): due rate = ${COUNT} / 60 s = ${fmt(dueRate, 1)} checks/s`,
      '',
      `  checks/s sustained      ${fmt(checksPerS, 1)}   = ${fmt(checksPerS / dueRate, 3)} x due rate (jobs claimed ${fmt(claimsPerS, 1)}/s)`,
      `  lateness p50            ${fmt(lat.p50, 0)} ms`,
      `  lateness p99            ${fmt(lat.p99, 0)} ms   = ${fmt(lat.p99 / 1000, 3)} x the 1 s target   (max ${fmt(lat.max, 0)} ms, n=${lat.count})`,
      `  lateness p99, whole run ${fmt(all.p99, 0)} ms (incl. the sync burst and warm-up, n=${all.count})`,
      `  collector RSS           max ${fmt(rssMax)} MB = ${fmt(rssMax / 300, 3)} x the 300 MB target (mean ${fmt(rssMean)}, idle before sync ${fmt(idle.rssMb)})`,
      `  collector CPU           ${fmt(cpuPct)} % of one core (collector + embedded runner + probes, same process)`,
      `  event-loop delay        p99 ${fmt(end.stats.loop.delayP99Ms ?? Number.NaN)} ms, max ${fmt(end.stats.loop.delayMaxMs ?? Number.NaN)} ms; longest tick ${fmt(end.stats.loop.maxTickMs)} ms`,
      `  flushes                 ${end.stats.flush.flushes} (${end.stats.flush.rows} rows, longest ${fmt(end.stats.flush.maxMs)} ms, ${end.stats.flush.failures} failed)`,
      `  missed in window        ${JSON.stringify(missed)}; re-queued ${end.stats.requeued - start.stats.requeued}; rejected ${end.stats.results.rejected}`,
      `  states at end           ${JSON.stringify(end.stats.states)}`,
      `  V8 heap at end          used ${end.stats.memory.heapUsed} MB of ${end.stats.memory.heapTotal} MB; resident by space ${JSON.stringify(end.stats.memory.spaces)}`,
    ];
    if (detection) {
      const d = detection.down - detection.firstFailure;
      lines.push(
        `  detection               first failing check -> down ${fmt(d / 1000, 2)} s = ${fmt(d / TIMEOUT, 3)} x one timeout (15 s); flip -> down ${fmt((detection.down - detection.flip) / 1000, 1)} s (waits for the monitor's next slot)`,
      );
    } else {
      lines.push('  detection               not measured (no monitor went down within a minute of its slot)');
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stop(collector);
    await stop(target);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
