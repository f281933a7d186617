// Status benchmark: 10,000 monitors with 90 days of generated history (hourly rollups, incidents,
// states with last results per region, issue links) written straight into SQLite by a child
// process, then the collector in its own process on loopback, driven over real HTTP (undici):
// GET /v1/status and GET / p50/p99 as deployed (snapshots served from cache, rebuilt in the
// background every 10 s), with gzip and If-None-Match, then with a rebuild on every request (the
// cost of one build), and the collector's RSS. Baseline from the same run: GET /healthz.
// The same monitors with 1 day of history show the cost does not grow with history.
// Targets (issue 8): p99 < 100 ms for JSON, < 300 ms for the page.
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
import { BUCKET_BOUNDS, BUCKET_COUNT } from '../collector/rollups/histogram.ts';
import { HOUR_MS } from '../collector/rollups/hourly.ts';
import { DAY_MS } from '../collector/rollups/uptime.ts';
import type { SqlValue } from '../collector/store/sqlite/connection.ts';
import { insertRows } from '../collector/store/sqlite/database.ts';
import { openSqliteStore } from '../collector/store/sqlite/index.ts';
import { MONITOR_INSERT_COLUMNS } from '../collector/store/sqlite/monitor-store.ts';
import { INCIDENT_COLUMNS, RUNNER_COLUMNS, STATE_COLUMNS } from '../collector/store/sqlite/runtime-rows.ts';
import type { MonitorSpec } from '../schema/types.ts';
import { makeSpec } from '../test/collector/fixtures.ts';

const COUNT = Number(process.argv[2] ?? 10_000);
const DAYS = Number(process.argv[3] ?? 90);
// The generator runs in a child process (its 1 GB page cache must not count as collector RSS);
// both use the same NOW.
const NOW = Number(process.env.VIGIL_BENCH_NOW ?? Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 17 * 60_000);
const GENERATE = process.env.VIGIL_BENCH_GENERATE;
const REGIONS = ['eu-west', 'us-east', 'ap-south'];

function spec(i: number): MonitorSpec {
  const id = `m-${String(i).padStart(5, '0')}`;
  // The engine's defaults (makeSpec), with a name, a secret-bearing URL on every tenth monitor,
  // a header, a keyword, and some paused and some with maintenance.
  return makeSpec(id, {
    name: `Service ${i}`,
    url:
      i % 10 === 0
        ? `https://svc-${i}.example.invalid/health?key=\${KEY}`
        : `https://svc-${i}.example.invalid/health`,
    headers: { 'X-Bench': `v${i % 7}` },
    keywords: ['ok'],
    paused: i % 100 === 7,
    maintenance: i % 100 === 3 ? [{ cron: '0 3 * * *', duration: 1_800_000, timezone: 'UTC' }] : [],
  });
}

function verdictJson(state: string, since: number): string {
  const window = Array.from({ length: 21 }, (_, k) => ({
    ok: true,
    at: NOW - (21 - k) * 60_000,
    reason: null,
    jobId: `job-${k}-${since}`,
  }));
  return JSON.stringify({
    v: 1,
    state,
    since,
    seq: 1234,
    round: null,
    window,
    score: 0,
    incident: null,
    streak: [],
    note: null,
    lastCheckAt: NOW - 30_000,
    closedRounds: ['r1', 'r2', 'r3'],
    lastVerify: null,
  });
}

async function generate(
  path: string,
  days: number,
): Promise<{ ms: number; rollups: number; incidents: number }> {
  const started = performance.now();
  const store = await openSqliteStore({ path });
  const db = store.db;
  const created = NOW - (days + 30) * DAY_MS;
  await db.write(async (tx) => {
    await tx.exec(
      'PRAGMA cache_size = -1000000; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 100000',
    );
    const histories: SqlValue[][] = [];
    const monitors: SqlValue[][] = [];
    for (let i = 0; i < COUNT; i++) {
      const s = spec(i);
      histories.push([i + 1, s.id as string, created]);
      monitors.push([
        i + 1,
        s.id as string,
        s.name as string,
        JSON.stringify(s),
        `h${i}`,
        '{}',
        '{}',
        1,
        'bench',
        created,
        created,
      ]);
    }
    await insertRows(tx, 'monitor_histories', ['history_id', 'first_id', 'created_at'], histories);
    await insertRows(tx, 'monitors', MONITOR_INSERT_COLUMNS, monitors);
  });

  // Hourly rollups, one region, `days` days: generated inside SQLite (INSERT ... SELECT over a
  // recursive CTE, one day of all monitors per statement, in primary-key order); the secondary
  // index is built once at the end.
  const bucketCase = `CASE ${BUCKET_BOUNDS.map((b, k) => `WHEN rt <= ${b} THEN ${k}`).join(' ')} ELSE ${BUCKET_BOUNDS.length} END`;
  const bucketCols = Array.from({ length: BUCKET_COUNT }, (_, k) => `b${k}`);
  await db.write((tx) => tx.exec('DROP INDEX rollups_by_history'));
  const firstHour = Math.floor(NOW / HOUR_MS) * HOUR_MS - days * 24 * HOUR_MS;
  for (let day = 0; day < days; day++) {
    if (day % 10 === 0)
      process.stderr.write(`  day ${day}/${days} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    const from = firstHour + day * 24 * HOUR_MS;
    await db.write((tx) =>
      tx.run(
        `WITH RECURSIVE hours(hour) AS (SELECT ?1 UNION ALL SELECT hour + ${HOUR_MS} FROM hours WHERE hour + ${HOUR_MS} < ?2),
           m AS MATERIALIZED (SELECT history_id FROM monitor_histories),
           g AS (SELECT hour, history_id, 40 + ((history_id * 37 + hour / ${HOUR_MS}) % 400) AS rt FROM hours CROSS JOIN m),
           gb AS MATERIALIZED (SELECT hour, history_id, rt, ${bucketCase} AS bk FROM g)
         INSERT INTO rollups (hour, history_id, region, checks, failures, unconfirmed, missed, rt_count, rt_sum, rt_min, rt_max, ${bucketCols.join(', ')}, updated_at)
         SELECT hour, history_id, 'eu-west', 60, (history_id + hour / ${HOUR_MS}) % 97 = 0, 0, 0, 60, 60 * rt, rt - 5, rt + 20,
                ${bucketCols.map((_, k) => `(bk = ${k}) * 60`).join(', ')}, ?2
         FROM gb`,
        [from, Math.min(from + 24 * HOUR_MS, NOW + HOUR_MS)],
      ),
    );
  }
  // The current hour, partly filled (what the triggers keep as results arrive).
  process.stderr.write(`  rollups written (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  await db.write((tx) => tx.exec('CREATE INDEX rollups_by_history ON rollups (history_id, hour)'));
  process.stderr.write(`  index built (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);

  // Incidents: 0..3 resolved per monitor over the window, 2% of monitors down right now (with a
  // GitHub issue link), states and last results for every monitor.
  let incidentCount = 0;
  await db.write(async (tx) => {
    const incidents: SqlValue[][] = [];
    const states: SqlValue[][] = [];
    const alerts: SqlValue[][] = [];
    const links: SqlValue[][] = [];
    const deliveries: SqlValue[][] = [];
    for (let i = 0; i < COUNT; i++) {
      const hid = i + 1;
      const id = `m-${String(i).padStart(5, '0')}`;
      for (let k = 0; k < i % 4; k++) {
        const start = NOW - Math.floor((((i * 7919 + k * 104729) % 1000) / 1000) * days * DAY_MS) - HOUR_MS;
        const end = start + (2 + ((i + k) % 88)) * 60_000;
        incidents.push([
          `${id}:down:${start}`,
          hid,
          id,
          null,
          'down',
          start,
          end,
          end,
          3,
          'status',
          null,
          0,
          start,
          end,
          'recovered',
          end,
        ]);
      }
      const down = i % 50 === 0;
      const since = down ? NOW - (5 + (i % 120)) * 60_000 : NOW - ((i % 30) + 1) * DAY_MS;
      if (down) {
        const incidentId = `${id}:down:${since}`;
        incidents.push([
          incidentId,
          hid,
          id,
          null,
          'down',
          since,
          null,
          NOW - 30_000,
          9,
          'connect_timeout',
          null,
          0,
          since,
          null,
          null,
          NOW,
        ]);
        alerts.push([`alert-${incidentId}`, 'down', id, id, 'open', since, null, NOW, '{}']);
        links.push([incidentId, `alert-${incidentId}`]);
        deliveries.push([
          `alert-${incidentId}`,
          'github',
          'open',
          String(i),
          `https://github.com/acme/status/issues/${i}`,
          null,
          null,
          NOW,
        ]);
      }
      const state = spec(i).paused ? 'paused' : down ? 'down' : 'up';
      const lastResults = REGIONS.map((region, r) => ({
        region,
        jobId: `job-${i}-${r}`,
        runner: `${region}-1`,
        purpose: 'scheduled',
        ok: !down,
        reason: down ? 'connect_timeout' : null,
        message: down ? 'connect timeout after 15 s' : '200 OK in 120 ms',
        status: down ? null : 200,
        totalMs: down ? 15_000 : 80 + ((i + r) % 200),
        at: NOW - (r + 1) * 20_000,
        mark: null,
      }));
      states.push([
        hid,
        id,
        state,
        since,
        verdictJson(state, since),
        NOW - 60_000,
        JSON.stringify(lastResults),
        NOW,
      ]);
    }
    incidentCount = incidents.length;
    await insertRows(tx, 'incidents', INCIDENT_COLUMNS, incidents);
    await insertRows(tx, 'monitor_states', STATE_COLUMNS, states);
    await insertRows(
      tx,
      'alerts',
      ['id', 'kind', 'monitor_id', 'subject', 'status', 'start_at', 'closed_at', 'updated_at', 'data'],
      alerts,
    );
    await insertRows(tx, 'alert_incidents', ['incident_id', 'alert_id'], links);
    await insertRows(
      tx,
      'alert_deliveries',
      ['alert_id', 'sink', 'state', 'ref_id', 'ref_url', 'error_code', 'error', 'updated_at'],
      deliveries,
    );
    await insertRows(
      tx,
      'runners',
      RUNNER_COLUMNS,
      REGIONS.map((region, r) => [
        `runner-${r}`,
        region,
        `${region}-1`,
        '0.1.0',
        50,
        0,
        `hash-${r}`,
        NOW - DAY_MS,
        NOW - 5000,
        null,
      ]),
    );
  });
  const rollups = (await db.reader.get<{ n: number }>('SELECT count(*) AS n FROM rollups'))!.n;
  await store.close();
  return { ms: performance.now() - started, rollups, incidents: incidentCount };
}

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
  process.stdout.write(JSON.stringify(await generate(GENERATE, DAYS)));
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
