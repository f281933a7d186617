// Status benchmark: 10,000 monitors with 90 days of generated history (hourly rollups, incidents,
// states with last results per region, issue links) written straight into SQLite by a child
// process, then the collector in its own process on loopback, driven over real HTTP (undici):
// GET /v1/status and GET / p50/p99 as deployed (snapshots served from cache, rebuilt in the
// background every 10 s), with gzip and If-None-Match, then with a rebuild on every request (the
// cost of one build), and the collector's RSS. Baseline from the same run: GET /healthz.
// The same monitors with 1 day of history show the cost does not grow with history.
// Targets: p99 < 100 ms for JSON, < 300 ms for the page.
//   node bench/status.ts [monitors] [days]
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { createApp } from '../collector/app.ts';
import { DEFAULT_CONFIG } from '../collector/config/config.ts';
import { HOUR_MS } from '../collector/rollups/hourly.ts';
import { generate } from './support/status-history.ts';

const COUNT = Number(process.argv[2] ?? 10_000);
const DAYS = Number(process.argv[3] ?? 90);
// The generator runs in a child process (its 1 GB page cache must not count as collector RSS);
// both use the same NOW.
const NOW = Number(process.env.VIGIL_BENCH_NOW ?? Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 17 * 60_000);
const GENERATE = process.env.VIGIL_BENCH_GENERATE;
/** The engine loads the monitors but its timers never fire: the status is measured on a quiet collector. */
const idleTimers = { setTimeout: () => ({}), clearTimeout: () => undefined };

/** Child process: the collector on loopback, its clock starting at NOW; prints its URL. */
async function serve(path: string, maxAgeMs: number): Promise<void> {
  const started = performance.now();
  const app: FastifyInstance = await createApp({
    config: {
      ...DEFAULT_CONFIG,
      db: path,
      adminToken: 'bench-admin-token-0123456789',
      embeddedRunner: false,
      statusMaxAgeMs: maxAgeMs,
      retentionIntervalMs: 0,
      logLevel: 'silent',
    },
    // Time passes as in the run (the data was written up to NOW).
    now: () => NOW + Math.round(performance.now() - started),
    runtime: { timers: idleTimers },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
  process.once('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
}

interface Server {
  url: string;
  pid: number;
  rssMiB(): number;
  stop(): Promise<void>;
}

async function startServer(path: string, maxAgeMs: number): Promise<Server> {
  const child = spawn(process.execPath, [import.meta.filename, String(COUNT), String(DAYS)], {
    env: {
      ...process.env,
      VIGIL_BENCH_SERVE: path,
      VIGIL_BENCH_MAX_AGE: String(maxAgeMs),
      VIGIL_BENCH_NOW: String(NOW),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const end = buffered.indexOf('\n');
      if (end !== -1) resolve(buffered.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    pid: child.pid!,
    rssMiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

interface Timing {
  p50: number;
  p99: number;
  max: number;
  n: number;
  bytes: number;
}

/** Sequential GETs over real HTTP (keep-alive), each body read to the end. */
async function measure(
  server: Server,
  path: string,
  n: number,
  headers: Record<string, string> = {},
): Promise<Timing> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const response = await request(`${server.url}${path}`, { headers });
    const body = Buffer.from(await response.body.arrayBuffer());
    times.push(performance.now() - start);
    if (response.statusCode >= 400)
      throw new Error(`${path}: ${response.statusCode} ${body.toString().slice(0, 200)}`);
    bytes = body.length;
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: times[times.length - 1]!, n, bytes };
}

const fmt = (t: Timing, base: Timing) =>
  `p50 ${t.p50.toFixed(1).padStart(7)} ms  p99 ${t.p99.toFixed(1).padStart(7)} ms  (p50 ${(t.p50 / base.p50).toFixed(0)}x baseline)  n=${t.n}  ${(t.bytes / 1024).toFixed(0)} KiB`;

function generateInChild(path: string, days: number): { ms: number; rollups: number; incidents: number } {
  const out = execFileSync(process.execPath, [import.meta.filename, String(COUNT), String(days)], {
    env: { ...process.env, VIGIL_BENCH_GENERATE: path, VIGIL_BENCH_NOW: String(NOW) },
    maxBuffer: 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.toString('utf8')) as { ms: number; rollups: number; incidents: number };
}

if (GENERATE !== undefined) {
  process.stdout.write(JSON.stringify(await generate(GENERATE, DAYS, COUNT, NOW)));
} else if (process.env.VIGIL_BENCH_SERVE !== undefined) {
  await serve(process.env.VIGIL_BENCH_SERVE, Number(process.env.VIGIL_BENCH_MAX_AGE ?? 10_000));
} else {
  await main();
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-status-'));
  try {
    const path = join(dir, 'status.db');
    console.log(`generating ${COUNT} monitors with ${DAYS} days of history...`);
    const gen = generateInChild(path, DAYS);
    console.log(
      `  ${gen.rollups.toLocaleString('en')} hourly rollups, ${gen.incidents.toLocaleString('en')} incidents in ${(gen.ms / 1000).toFixed(1)} s`,
    );
    const gzip = { 'accept-encoding': 'gzip' };

    // The collector as deployed: snapshots cached for 10 s, rebuilt in the background.
    const warm = await startServer(path, 10_000);
    const healthz = await measure(warm, '/healthz', 500);
    const firstStarted = performance.now();
    await measure(warm, '/v1/status', 1);
    const first = performance.now() - firstStarted;
    const warmJson = await measure(warm, '/v1/status', 300);
    const warmGzip = await measure(warm, '/v1/status', 300, gzip);
    const etagResponse = await request(`${warm.url}/v1/status`, { headers: gzip });
    await etagResponse.body.dump();
    const etag = etagResponse.headers.etag as string;
    const notModified = await measure(warm, '/v1/status', 300, { 'if-none-match': etag, ...gzip });
    const warmPage = await measure(warm, '/', 300, gzip);
    const badge = await measure(warm, '/badge/m-00042.svg?type=uptime', 300);
    const rssWarm = warm.rssMiB();
    await warm.stop();

    // Every request rebuilds the snapshot (statusMaxAgeMs 0): the cost of one build, as the
    // background rebuild pays it every 10 s while someone is polling.
    const cold = await startServer(path, 0);
    await measure(cold, '/v1/status', 1, gzip);
    const coldJson = await measure(cold, '/v1/status', 30, gzip);
    const coldPage = await measure(cold, '/', 30, gzip);
    const rssCold = cold.rssMiB();
    await cold.stop();

    console.log(`\nbaseline GET /healthz                   ${fmt(healthz, healthz)}`);
    console.log(
      `first GET /v1/status after start        ${first.toFixed(1)} ms (waits for the start-up build)`,
    );
    console.log(
      `GET /v1/status (served snapshot)        ${fmt(warmJson, healthz)}   target p99 < 100 ms: ${warmJson.p99 < 100 ? 'met' : 'MISSED'}`,
    );
    console.log(
      `GET /v1/status, gzip                    ${fmt(warmGzip, healthz)}   target p99 < 100 ms: ${warmGzip.p99 < 100 ? 'met' : 'MISSED'}`,
    );
    console.log(`GET /v1/status, If-None-Match -> 304    ${fmt(notModified, healthz)}`);
    console.log(
      `GET / (served snapshot), gzip           ${fmt(warmPage, healthz)}   target p99 < 300 ms: ${warmPage.p99 < 300 ? 'met' : 'MISSED'}`,
    );
    console.log(`GET /badge/:id.svg                      ${fmt(badge, healthz)}`);
    console.log(`GET /v1/status, rebuilt per request     ${fmt(coldJson, healthz)}`);
    console.log(`GET /, rebuilt per request              ${fmt(coldPage, healthz)}`);
    console.log(
      `collector RSS: ${rssWarm.toFixed(0)} MiB after the served-snapshot runs, ${rssCold.toFixed(0)} MiB after the rebuild runs`,
    );

    // Same monitors, 1 day of history: a rebuild costs the same.
    const shortPath = join(dir, 'day1.db');
    generateInChild(shortPath, 1);
    const day1 = await startServer(shortPath, 0);
    await measure(day1, '/v1/status', 1, gzip);
    const day1Json = await measure(day1, '/v1/status', 30, gzip);
    await day1.stop();
    console.log(
      `\nday 1 vs day ${DAYS}: GET /v1/status rebuilt per request p50 ${day1Json.p50.toFixed(1)} ms vs ${coldJson.p50.toFixed(1)} ms (ratio ${(coldJson.p50 / day1Json.p50).toFixed(2)})`,
    );
    console.log(
      `load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} (2 cores)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
