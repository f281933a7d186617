// The API fuzzer: malformed requests to every route of the collector's route table (in-process,
// `inject`, a real SQLite file in a temp dir). Never a 5xx, never a crash, and a refused request
// (4xx) changes nothing stored. Deterministic: VIGIL_FUZZ_SEED picks the sequence, and
// VIGIL_FUZZ_ITERATIONS the length (default 10,000; run longer by hand or nightly).
import type { RouteOptions } from 'fastify';
import type { InjectOptions } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessOf } from '../../collector/http/auth.ts';
import { type Built, build, TOKEN } from '../collector/build.ts';
import { CONTENT_TYPES, METHODS, ODD_NUMBERS, oddBody, oddSegment, oddText } from './api-inputs.ts';
import { Rng } from './rng.ts';

const SEED = Number(process.env.VIGIL_FUZZ_SEED ?? 20_250_601);
const ITERATIONS = Number(process.env.VIGIL_FUZZ_ITERATIONS ?? 10_000);
const READ_TOKEN = 'fuzz-read-token-0123456789';
const REGION_KEY = 'fuzz-region-key-0123456789';

const MONITOR = {
  id: 'checkout',
  name: 'Checkout',
  url: 'http://127.0.0.1:9/api',
  method: 'POST',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
  headers: { Authorization: 'Bearer ${API_TOKEN}', 'Content-Type': 'application/json' },
  body: '{"a":1}',
  timeout: '20s',
  interval: '1m',
  follow_redirects: 0,
  assertions: [
    { source: 'status', operator: 'eq', value: 200 },
    { source: 'json', path: '$.total', operator: 'gt', value: 0 },
  ],
  alert: { after: '3m', remind_every: '1h', labels: ['checkout'] },
};
// Near-valid bodies the schemas alone cannot describe (a sync's monitors are the language's).
const BODIES: Record<string, unknown[]> = {
  '/v1/sync': [
    { revision: 'abc', monitors: [MONITOR], secrets: { API_TOKEN: 's3cret' }, dryRun: true },
    { revision: null, monitors: [MONITOR, { ...MONITOR, id: 'b', name: 'B' }], secrets: { API_TOKEN: 'x' } },
    { revision: null, monitors: [{ id: 'c', name: 'C', url: 'http://127.0.0.1:9/' }], prune: false },
  ],
  // Filled with results for jobs really leased (leaseJobs), so mutations reach the store's rows.
  '/v1/runners/results': [],
};

/** A result with every field a runner sends, for the fuzzer to break one at a time. */
function fullResult(): Record<string, unknown> {
  return {
    ok: false,
    reason: 'status_mismatch',
    message: 'status 503',
    phase: null,
    status: 503,
    httpVersion: '1.1',
    remote: { ip: '127.0.0.1', family: 4, port: 9 },
    timings: { resolve: 1, connect: 1, tls: 1, processing: 1, transfer: 1, total: 5 },
    tls: {
      version: 'TLSv1.3',
      cipher: 'x',
      alpn: null,
      subject: 's',
      issuer: 'i',
      sans: ['a'],
      validFrom: null,
      validTo: null,
      daysLeft: 30,
      selfSigned: false,
      legacyFallback: false,
    },
    redirects: [
      {
        url: 'http://127.0.0.1:9/',
        method: 'GET',
        status: 301,
        location: '/x',
        remote: null,
        timings: { total: 1 },
      },
    ],
    assertions: [{ description: 'status eq 200', pass: false, expected: 200, actual: 503 }],
    startedAt: new Date(Date.now() + shift).toISOString(),
    log: {
      request: { line: 'GET / HTTP/1.1', headers: { a: 'b' } },
      response: { status: 503, headers: {} },
      body: 'down',
      bodyTruncated: false,
      connection: ['x'],
    },
  };
}

let b: Built;
/** How far the collector's clock is ahead of the real one: moved to make monitors due. */
let shift = 0;
/** The session that leases jobs (the runner routes' credentials include it). */
let worker = '';
const JOB_MONITORS = 30;

/** Moves the clock a round ahead and leases the jobs now due, for results bodies to answer. */
async function leaseJobs(): Promise<void> {
  shift += 31_000;
  const jobs: { jobId: string }[] = [];
  for (let i = 0; i < 3 && jobs.length < JOB_MONITORS; i += 1) {
    const claim = await b.app.inject({
      method: 'POST',
      url: '/v1/runners/claim',
      headers: { authorization: `Bearer ${worker}` },
      payload: { max: 100, wait: i === 0 ? 1000 : 0, inFlight: jobs.length },
    });
    if (claim.statusCode !== 200 || (i > 0 && claim.json().jobs.length === 0)) break;
    jobs.push(...claim.json().jobs);
  }
  if (process.env.VIGIL_FUZZ_VERBOSE) console.log(`leased ${jobs.length} jobs`);
  BODIES['/v1/runners/results'] = jobs.map((job) => ({
    results: [{ jobId: job.jobId, result: fullResult() }],
  }));
}
let sessions: string[] = [];

async function register(): Promise<string> {
  const response = await b.app.inject({
    method: 'POST',
    url: '/v1/runners/register',
    headers: { authorization: `Bearer ${REGION_KEY}` },
    payload: { region: 'eu', name: `fuzz-${sessions.length}`, version: '1', concurrency: 2 },
  });
  expect(response.statusCode).toBe(200);
  return response.json().token;
}

/** What the store holds that a request could change, read through the store's own interfaces. */
async function snapshot(): Promise<string> {
  const { store } = b.app.vigil;
  await b.app.vigil.runtime.engine.flush();
  const monitors = await store.monitors.list();
  // Checks are written only for accepted results: the engine's counters say how many (and a
  // read of the first monitor's page keeps the stored rows themselves in view).
  const checks = [
    b.app.vigil.runtime.engine.stats().results,
    monitors[0] === undefined
      ? 0
      : (await store.checks.page(monitors[0].historyId, { limit: 1000, withLogs: false })).checks.length,
  ];
  const incidents = await store.incidents.list({ status: 'all', limit: 1000 });
  return JSON.stringify({
    monitors: monitors.map((m) => [m.id, m.revision, m.historyId, m.updatedAt]),
    checks,
    incidents: incidents.map((i) => [i.id, i.resolvedAt]),
    runners: b.app.vigil.runtime.registry.list().map((r) => r.id),
  });
}

/** The credential the route asks for, most of the time, so requests reach the schemas and handlers. */
function authorization(route: RouteOptions, rng: Rng): string | undefined {
  const hooks = [route.onRequest, route.preHandler].flat().filter((hook) => hook !== undefined);
  const access = hooks.map(accessOf).find((found) => found !== undefined);
  if (access !== undefined && rng.chance(0.75)) {
    return {
      admin: `Bearer ${TOKEN}`,
      read: rng.chance(0.5) ? `Bearer ${READ_TOKEN}` : `Bearer ${TOKEN}`,
      runner: `Bearer ${rng.pick(sessions)}`,
      region: `Bearer ${REGION_KEY}`,
      internal: `Bearer ${oddText(rng)}`, // no cluster secret on one SQLite collector: always 401
    }[access];
  }
  return rng.pick<() => string | undefined>([
    () => undefined,
    () => `Bearer ${TOKEN}`,
    () => `Bearer ${TOKEN}`,
    () => `Bearer ${READ_TOKEN}`,
    () => `Bearer ${REGION_KEY}`,
    () => `Bearer ${rng.pick(sessions)}`,
    () => `Bearer ${rng.pick(sessions)}`,
    () => `Basic ${Buffer.from(`:${READ_TOKEN}`).toString('base64')}`,
    () => `Basic ${oddText(rng)}`,
    () => `Bearer ${oddText(rng)}`,
    () => 'Bearer',
    () => `Bearer ${TOKEN.slice(0, -1)}`,
    () => `bearer ${'x'.repeat(10_000)}`,
  ])();
}

function query(route: RouteOptions, rng: Rng): string {
  const declared = Object.keys(
    ((route.schema?.querystring as { properties?: object } | undefined)?.properties ?? {}) as object,
  );
  const names = ['x', '__proto__', 'limit', 'log'];
  const parts: string[] = [];
  for (let i = 1 + rng.int(3); i > 0; i -= 1) {
    const name = declared.length > 0 && rng.chance(0.75) ? rng.pick(declared) : rng.pick(names);
    const value = rng.chance(0.4) ? rng.pick(ODD_NUMBERS) : oddSegment(rng);
    parts.push(rng.chance(0.1) ? `${name}[]=${value}` : rng.chance(0.1) ? name : `${name}=${value}`);
    // Repeated names arrive as arrays.
    if (rng.chance(0.15)) parts.push(`${name}=${oddSegment(rng)}`);
  }
  if (rng.chance(0.03)) parts.push('%');
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

function path(route: RouteOptions, rng: Rng): string {
  return route.url.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    if (rng.chance(0.6))
      return rng.pick(name === 'file' ? ['checkout.svg', 'checkout.json'] : ['checkout', 'c1']);
    return oddSegment(rng);
  });
}

/** One malformed request for `route`. */
function requestFor(route: RouteOptions, rng: Rng): InjectOptions {
  const method = rng.chance(0.85) ? String(route.method) : rng.pick(METHODS);
  const headers: Record<string, string> = {};
  const auth = authorization(route, rng);
  if (auth !== undefined) headers.authorization = auth;
  const type = rng.chance(0.6) ? 'application/json' : rng.pick(CONTENT_TYPES);
  if (type !== undefined) headers['content-type'] = type;
  if (rng.chance(0.05)) headers['content-encoding'] = rng.pick(['gzip', 'br', 'identity', 'x']);
  if (rng.chance(0.05)) headers['if-none-match'] = oddText(rng);
  if (rng.chance(0.05))
    headers['accept-encoding'] = rng.pick(['gzip;q=NaN', 'gzip;q=1e309', '*', oddText(rng)]);
  const options: InjectOptions = {
    method: method as InjectOptions['method'],
    url: `${path(route, rng)}${rng.chance(0.5) ? query(route, rng) : ''}`,
    headers,
  };
  if (method !== 'GET' && method !== 'HEAD' && rng.chance(0.9)) {
    options.payload = oddBody(route.schema?.body, rng, BODIES[route.url] ?? []);
  }
  return options;
}

function describeRequest(options: InjectOptions): string {
  const payload = options.payload;
  const body =
    payload === undefined
      ? ''
      : ` body ${String(Buffer.isBuffer(payload) ? payload.toString('hex') : payload).slice(0, 300)}`;
  return `${options.method} ${String(options.url).slice(0, 300)} ${JSON.stringify(options.headers).slice(0, 300)}${body}`;
}

beforeAll(async () => {
  b = await build({
    now: () => Date.now() + shift,
    config: {
      embeddedRunner: false,
      statusPublic: false,
      statusToken: READ_TOKEN,
      regionKeys: { any: REGION_KEY, byRegion: {} },
      retentionIntervalMs: 0,
    },
  });
  const monitors = Array.from({ length: JOB_MONITORS }, (_, i) => ({
    id: `j${i}`,
    name: `J${i}`,
    url: 'http://127.0.0.1:9/',
    interval: '30s',
  }));
  const synced = await b.sync({ monitors: [MONITOR, ...monitors], secrets: { API_TOKEN: 's3cret' } });
  expect(synced.statusCode).toBe(200);
  await renew(true);
});

/** New runner sessions (the fuzzer ends some); with `jobs`, fresh jobs for them to answer. */
async function renew(jobs: boolean): Promise<void> {
  worker = await register();
  sessions = [worker, worker, await register()];
  if (jobs) await leaseJobs();
}
afterAll(async () => b?.destroy());

describe(`API fuzzer (seed ${SEED}, ${ITERATIONS} requests)`, () => {
  it('answers every malformed request below 500, and a refused one changes nothing stored', async () => {
    const rng = new Rng(SEED);
    const routes = b.app.vigilRoutes;
    const writers = routes.filter((route) => route.method !== 'GET' && route.method !== 'HEAD');
    const failures: string[] = [];
    const seen = new Map<string, number>();
    let stored = await snapshot();
    if (process.env.VIGIL_FUZZ_VERBOSE) {
      const t0 = performance.now();
      for (let k = 0; k < 200; k += 1) await snapshot();
      console.log(`snapshot ${((performance.now() - t0) / 200).toFixed(2)} ms`);
    }
    for (let i = 0; i < ITERATIONS; i += 1) {
      // Fresh sessions and jobs now and then, then a new baseline.
      if (i % 1000 === 999) {
        await renew(true);
        stored = await snapshot();
      }
      // Routes that write come up twice as often: they are where the store can be hurt.
      const route = rng.pick(writers.length > 0 && rng.chance(0.3) ? writers : routes);
      const options = requestFor(route, rng);
      const response = await b.app.inject(options);
      // A session the fuzzer ended is replaced, so the runner routes keep being reached.
      if (response.statusCode === 204) {
        await renew(false);
        stored = await snapshot();
      }
      for (const key of [`${response.statusCode}`, `${route.method} ${route.url} ${response.statusCode}`]) {
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      if (response.statusCode >= 500) {
        failures.push(
          `#${i} ${response.statusCode} ${response.body.slice(0, 200)} <- ${describeRequest(options)}`,
        );
        continue;
      }
      // Only requests that may write are compared (reads never do), to keep the run short.
      if (options.method === 'GET' || options.method === 'HEAD') continue;
      const now = await snapshot();
      if (response.statusCode >= 400 && now !== stored) {
        failures.push(`#${i} ${response.statusCode} changed the store <- ${describeRequest(options)}`);
      }
      stored = now;
    }
    if (process.env.VIGIL_FUZZ_VERBOSE)
      console.log(
        [...seen]
          .sort()
          .map(([k, n]) => `${k}: ${n}`)
          .join('\n'),
      );
    expect(failures.slice(0, 20)).toEqual([]);
    // The run reached past the auth and the schemas, not only 401s and 400s.
    expect(seen.get('200') ?? 0).toBeGreaterThan(ITERATIONS / 50);
    expect(seen.get('400') ?? 0).toBeGreaterThan(ITERATIONS / 20);
    const health = await b.get('/healthz');
    expect(health.statusCode).toBe(200);
  }, 600_000);
});
