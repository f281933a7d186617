// Phases that never happened are null from the probe to the API and /metrics: a real probe on
// loopback targets, its result sent through POST /v1/runners/results, read back from the checks
// API and counted in vigil_check_duration_seconds. Results shaped like an older runner's (0 for a
// phase that never happened) are read the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../probe/index.ts';
import type { ProbeSpec } from '../../probe/spec.ts';
import { type Built, build, TOKEN } from '../collector/build.ts';
import { holdRefusedPort, type RefusedPort } from '../probe/helpers/refused-port.ts';
import { parsePrometheus, value } from '../status/prometheus.ts';
import { startTarget, type TargetServer } from '../support/target-server.ts';

const REGION_KEY = 'region-key-0123456789abcdef';
let b: Built;
let target: TargetServer;
let refused: RefusedPort;
let session: string;
let shift = 0;
const jobs = new Map<string, { jobId: string; spec: ProbeSpec }>();

beforeAll(async () => {
  target = await startTarget({ handler: (_req, res) => res.end('fine') });
  refused = await holdRefusedPort();
  b = await build({
    config: { embeddedRunner: false, regionKeys: { any: REGION_KEY, byRegion: {} } },
    now: () => Date.now() + shift,
  });
  const monitor = (id: string, url: string) => ({ id, name: id, url, interval: '30s' });
  const synced = await b.sync({
    monitors: [
      monitor('web', target.url('/')),
      monitor('refused', `http://127.0.0.1:${refused.port}/`),
      monitor('old-up', 'http://127.0.0.1:9/'),
      monitor('old-refused', 'http://127.0.0.1:9/'),
    ],
  });
  expect(synced.statusCode).toBe(200);
  const registered = await b.app.inject({
    method: 'POST',
    url: '/v1/runners/register',
    headers: { authorization: `Bearer ${REGION_KEY}` },
    payload: { region: 'eu', name: 'r1', version: '1', concurrency: 10 },
  });
  session = registered.json().token;
  // Jumping the clock past the first round's spread makes every monitor due at once.
  shift = 60_000;
  for (let i = 0; i < 30 && jobs.size < 4; i += 1) {
    const claim = await b.app.inject({
      method: 'POST',
      url: '/v1/runners/claim',
      headers: { authorization: `Bearer ${session}` },
      payload: { max: 10, wait: 2000, inFlight: jobs.size },
    });
    for (const job of claim.json().jobs) jobs.set(job.monitorId, job);
  }
  expect(jobs.size).toBe(4);
}, 120_000);

afterAll(async () => {
  await b.destroy();
  await Promise.all([target.close(), refused.release()]);
});

async function send(monitorId: string, result: unknown) {
  const response = await b.app.inject({
    method: 'POST',
    url: '/v1/runners/results',
    headers: { authorization: `Bearer ${session}` },
    payload: { results: [{ jobId: jobs.get(monitorId)!.jobId, result }] },
  });
  expect(response.statusCode, response.body).toBe(200);
}

/** The phases of the monitor's latest stored check, as the JSON API shows them. */
async function phasesOf(monitorId: string): Promise<Record<string, unknown>> {
  const response = await b.app.inject({
    method: 'GET',
    url: `/v1/monitors/${monitorId}/checks`,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(response.statusCode).toBe(200);
  return response.json().checks[0].phases;
}

const base = { message: 'm', startedAt: new Date().toISOString() };

describe('phases that never happened, through the collector', () => {
  it('stores and shows null (the key present) for them, from a real probe', async () => {
    await send('web', await probe(jobs.get('web')!.spec));
    await send('refused', await probe(jobs.get('refused')!.spec));
    const web = await phasesOf('web');
    expect(Object.keys(web).sort()).toEqual(['connect', 'processing', 'resolve', 'tls', 'total', 'transfer']);
    expect(web).toMatchObject({ resolve: null, tls: null });
    expect(web.processing).toEqual(expect.any(Number));
    expect(web.transfer).toEqual(expect.any(Number));
    const down = await phasesOf('refused');
    expect(down).toMatchObject({ resolve: null, tls: null, processing: null, transfer: null });
    expect(down.connect).toEqual(expect.any(Number));
  });

  it("reads an older runner's 0 for a phase that cannot have happened as null", async () => {
    await send('old-up', {
      ...base,
      ok: true,
      reason: null,
      phase: null,
      status: 200,
      timings: { resolve: 0, connect: 0.2, tls: 0, processing: 1.5, transfer: 0, total: 1.7 },
    });
    await send('old-refused', {
      ...base,
      ok: false,
      reason: 'connect_refused',
      phase: 'connect',
      timings: { resolve: 0, connect: 0.2, tls: 0, processing: 0, transfer: 0, total: 0.2 },
    });
    // A 0 resolve or transfer may be a measurement (a fast lookup, a body in one read): kept.
    expect(await phasesOf('old-up')).toEqual({
      resolve: 0,
      connect: 0.2,
      tls: null,
      processing: 1.5,
      transfer: 0,
      total: 1.7,
    });
    expect(await phasesOf('old-refused')).toEqual({
      resolve: 0,
      connect: 0.2,
      tls: null,
      processing: null,
      transfer: null,
      total: 0.2,
    });
  });

  it('observes into vigil_check_duration_seconds only the phases that happened', async () => {
    const families = parsePrometheus((await b.get('/metrics')).body);
    const count = (phase: string) =>
      value(families, 'vigil_check_duration_seconds_count', { phase, region: 'eu' });
    expect(count('total')).toBe(4);
    // Only http:// checks: no tls samples at all (was count 4, sum 0).
    expect(count('tls')).toBeUndefined();
    // The two answered checks; the refused ones never got that far.
    expect(count('processing')).toBe(2);
    expect(count('transfer')).toBe(2);
    expect(count('connect')).toBe(4);
    expect(count('resolve')).toBe(2);
  });
});
