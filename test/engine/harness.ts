// The collector app on a real SQLite file in a temp dir, with a fake clock driving the engine,
// and helpers that speak the runner protocol over `inject` (the test plays the runners: it
// claims jobs and posts the results a probe would have produced).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApp } from '../../collector/app.ts';
import { type CollectorConfig, DEFAULT_CONFIG } from '../../collector/config/config.ts';
import { mulberry32 } from '../../collector/domain/regions.ts';
import type { RuntimeOptions } from '../../collector/engine/runtime.ts';
import { parseRegionKeys } from '../../collector/fleet/keys.ts';
import type { CheckResult } from '../../probe/types.ts';
import type { ClaimResponse, Job, RegisterResponse, ResultsResponse } from '../../runner/protocol.ts';
import type { SyncPlan } from '../../schema/plan-types.ts';
import { FakeClock, turn } from './fake-clock.ts';

export const TOKEN = 'engine-test-admin-token-0123';
export const KEY = 'region-key-for-tests-0123456789';
export const START = Date.UTC(2026, 0, 5, 12, 0, 0);

export interface Runner {
  id: string;
  token: string;
  region: string;
  /** Not heartbeating while the harness advances time (goes offline after 45 s). */
  silent: boolean;
}

export interface Harness {
  app: FastifyInstance;
  clock: FakeClock;
  dir: string;
  runners: Runner[];
  sync(monitors: Record<string, unknown>[], secrets?: Record<string, string>): Promise<SyncPlan>;
  register(region: string, name?: string, key?: string): Promise<Runner>;
  registerRaw(body: unknown, key: string | null): Promise<LightMyRequestResponse>;
  claim(runner: Runner, max?: number, wait?: number): Promise<Job[]>;
  claimRaw(runner: Runner, body: unknown): Promise<LightMyRequestResponse>;
  post(runner: Runner, results: Array<{ jobId: string; result: CheckResult }>): Promise<ResultsResponse>;
  /**
   * Moves time forward in steps of at most 10 s, with a `settle()` whenever 5 s or more went by
   * since the last one; runners not `silent` heartbeat every 10 s on the way.
   */
  advance(ms: number): Promise<void>;
  /**
   * Lets the collector's real-time work catch up with the fake clock: the engine's buffered
   * writes land, and the incident ticks already fired (and the deliveries they made due) finish.
   * A second of real time is plenty for that in production; without it, fake time runs ahead of a
   * slow store on a loaded machine: ticks read what a flush has not written yet, and once ten
   * wait the next ones are dropped, so announcements and reminders come minutes late.
   */
  settle(): Promise<void>;
  /** Advances until `runner` gets at least one job (or `limit` ms pass). */
  nextJobs(runner: Runner, limit?: number): Promise<Job[]>;
  get(url: string, admin?: boolean): Promise<LightMyRequestResponse>;
  json<T>(url: string, admin?: boolean): Promise<T>;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

export interface HarnessOptions {
  dir?: string;
  clock?: FakeClock;
  regionKeys?: string;
  config?: Partial<CollectorConfig>;
  runtime?: RuntimeOptions;
}

export function checkResult(ok: boolean, at: number, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    ok,
    reason: ok ? null : 'status',
    message: ok ? '200 OK in 4 ms' : 'status 500 is not 2xx',
    phase: ok ? null : 'processing',
    status: ok ? 200 : 500,
    httpVersion: '1.1',
    remote: { ip: '127.0.0.1', family: 4, port: 8080 },
    timings: { resolve: 0.1, connect: 0.5, tls: null, processing: 2, transfer: 1, total: 3.6 },
    tls: null,
    redirects: [],
    assertions: [],
    startedAt: new Date(at).toISOString(),
    ...(ok
      ? {}
      : {
          log: {
            request: { line: 'GET / HTTP/1.1', headers: { accept: '*/*' } },
            response: { status: 500, headers: { 'content-type': 'text/plain' } },
            body: 'boom',
            bodyTruncated: false,
            connection: ['connected to 127.0.0.1:8080'],
          },
        }),
    ...extra,
  };
}

export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'vigil-engine-')));
  const clock = options.clock ?? new FakeClock(START);
  const config: CollectorConfig = {
    ...DEFAULT_CONFIG,
    db: join(dir, 'vigil.db'),
    adminToken: TOKEN,
    logLevel: 'silent',
    embeddedRunner: false,
    regionKeys: parseRegionKeys(options.regionKeys ?? KEY),
    ...options.config,
  };
  const app = await createApp({
    config,
    now: clock.now,
    runtime: { timers: clock, rng: mulberry32(7), ...options.runtime },
  });
  const runners: Runner[] = [];
  const admin = { authorization: `Bearer ${TOKEN}` };
  const bearer = (runner: Runner) => ({ authorization: `Bearer ${runner.token}` });
  let closed = false;
  let settledAt = clock.now();

  const h: Harness = {
    app,
    clock,
    dir,
    runners,
    async sync(monitors, secrets) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/sync',
        headers: admin,
        payload: { revision: null, monitors, ...(secrets ? { secrets } : {}) },
      });
      if (response.statusCode !== 200) throw new Error(`sync failed: ${response.body}`);
      return response.json() as SyncPlan;
    },
    registerRaw(body, key) {
      return app.inject({
        method: 'POST',
        url: '/v1/runners/register',
        headers: key === null ? {} : { authorization: `Bearer ${key}` },
        payload: body as object,
      });
    },
    async register(region, name = `${region}-runner`, key = KEY) {
      const response = await h.registerRaw({ region, name, version: '0.1.0', concurrency: 10 }, key);
      if (response.statusCode !== 200) throw new Error(`register failed: ${response.body}`);
      const body = response.json() as RegisterResponse;
      const runner = { id: body.runnerId, token: body.token, region, silent: false };
      runners.push(runner);
      return runner;
    },
    claimRaw(runner, body) {
      return app.inject({
        method: 'POST',
        url: '/v1/runners/claim',
        headers: bearer(runner),
        payload: body as object,
      });
    },
    async claim(runner, max = 10, wait = 0) {
      const response = await h.claimRaw(runner, { max, wait, inFlight: 0 });
      if (response.statusCode !== 200) throw new Error(`claim failed: ${response.body}`);
      return (response.json() as ClaimResponse).jobs;
    },
    async post(runner, results) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/runners/results',
        headers: bearer(runner),
        payload: { results },
      });
      if (response.statusCode !== 200) throw new Error(`results failed: ${response.body}`);
      return response.json() as ResultsResponse;
    },
    async advance(ms) {
      let left = ms;
      while (left > 0) {
        const stepMs = Math.min(left, 10_000);
        for (const r of runners) {
          if (r.silent) continue;
          await app.inject({
            method: 'POST',
            url: '/v1/runners/heartbeat',
            headers: bearer(r),
            payload: { inFlight: 0, free: 10 },
          });
        }
        await clock.advance(stepMs);
        if (clock.now() - settledAt >= 5_000) await h.settle();
        left -= stepMs;
      }
    },
    async settle() {
      settledAt = clock.now();
      // A failed flush keeps its rows for the next one (tests of that call flush() themselves).
      await app.vigil.runtime.engine.flush().catch(() => undefined);
      await app.vigil.incidents.settled();
    },
    async nextJobs(runner, limit = 120_000) {
      for (let waited = 0; waited <= limit; waited += 1000) {
        const jobs = await h.claim(runner);
        if (jobs.length > 0) return jobs;
        await h.advance(1000);
      }
      return [];
    },
    get(url, isAdmin = false) {
      return app.inject({ method: 'GET', url, headers: isAdmin ? admin : {} });
    },
    async json(url, isAdmin = false) {
      const response = await h.get(url, isAdmin);
      if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode} ${response.body}`);
      return response.json();
    },
    async close() {
      if (closed) return;
      closed = true;
      await turn();
      await app.close();
    },
    async destroy() {
      await h.close();
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** ok / fail for a job, or null: the runner takes the job and never answers. */
export type Behaviour = (runner: Runner, job: Job, now: number) => boolean | null;

/**
 * Plays the runners for `ms` of fake time in 1 s steps: every runner that is not silent claims
 * its jobs and answers them at once as `behaviour` says. Returns every job handed out.
 */
export async function drive(
  h: Harness,
  ms: number,
  behaviour: Behaviour,
): Promise<Array<{ runner: Runner; job: Job }>> {
  const seen: Array<{ runner: Runner; job: Job }> = [];
  for (let t = 0; t < ms; t += 1000) {
    for (const runner of h.runners) {
      if (runner.silent) continue;
      const jobs = await h.claim(runner, 50, 0);
      const results = [];
      for (const job of jobs) {
        seen.push({ runner, job });
        const ok = behaviour(runner, job, h.clock.now());
        if (ok !== null) results.push({ jobId: job.jobId, result: checkResult(ok, h.clock.now()) });
      }
      if (results.length > 0) await h.post(runner, results);
    }
    await h.advance(1000);
  }
  return seen;
}
