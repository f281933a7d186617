// A runner's result is stored as sent by the next write-behind flush, so a field the store cannot
// bind (an object for the remote family, text for the certificate's days) must be refused with a
// 400 naming it. Before the result schema declared them, such a result got a 200 and then failed
// every flush after it: each read that flushes answered 500, and no later result was stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Built, build, TOKEN } from '../collector/build.ts';

const REGION_KEY = 'region-key-0123456789abcdef';
const MONITORS = 14;
let b: Built;
let session: string;
let shift = 0;
const jobs: { jobId: string; monitorId: string }[] = [];

beforeAll(async () => {
  b = await build({
    config: { embeddedRunner: false, regionKeys: { any: REGION_KEY, byRegion: {} } },
    // Jumping the clock past the first round's spread makes every monitor due at once.
    now: () => Date.now() + shift,
  });
  const monitors = Array.from({ length: MONITORS }, (_, i) => ({
    id: `m${i}`,
    name: `M${i}`,
    url: 'http://127.0.0.1:9/',
    interval: '30s',
  }));
  expect((await b.sync({ monitors })).statusCode).toBe(200);
  const registered = await b.app.inject({
    method: 'POST',
    url: '/v1/runners/register',
    headers: { authorization: `Bearer ${REGION_KEY}` },
    payload: { region: 'eu', name: 'r1', version: '1', concurrency: 50 },
  });
  session = registered.json().token;
  shift = 60_000;
  for (let i = 0; i < 30 && jobs.length < MONITORS; i += 1) {
    const claim = await b.app.inject({
      method: 'POST',
      url: '/v1/runners/claim',
      headers: { authorization: `Bearer ${session}` },
      payload: { max: 50, wait: 2000, inFlight: jobs.length },
    });
    jobs.push(...claim.json().jobs);
  }
}, 120_000);
afterAll(async () => b.destroy());

function result(extra: Record<string, unknown>) {
  return {
    ok: false,
    reason: 'timeout',
    message: 'no answer',
    startedAt: new Date().toISOString(),
    timings: { resolve: 1, connect: 1, tls: 0, processing: 1, transfer: 0, total: 3 },
    ...extra,
  };
}

async function send(jobId: string, extra: Record<string, unknown>) {
  return b.app.inject({
    method: 'POST',
    url: '/v1/runners/results',
    headers: { authorization: `Bearer ${session}` },
    payload: { results: [{ jobId, result: result(extra) }] },
  });
}

async function checksOf(monitorId: string) {
  return b.app.inject({
    method: 'GET',
    url: `/v1/monitors/${monitorId}/checks`,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
}

describe('POST /v1/runners/results', () => {
  const hostile: [string, Record<string, unknown>][] = [
    ['remote', { remote: { ip: 5, family: {} } }],
    ['remote', { remote: { ip: '10.0.0.1', family: 5 } }],
    ['tls', { tls: { daysLeft: 'x' } }],
    ['tls', { tls: { daysLeft: {} } }],
    ['timings/total', { timings: { total: {} } }],
    ['timings/connect', { timings: { total: 1, connect: -1 } }],
    ['httpVersion', { httpVersion: {} }],
    ['log/body', { log: { body: { a: 1 } } }],
    ['redirects/0/status', { redirects: [{ url: 'http://x/', method: 'GET', status: 'x' }] }],
  ];

  it('refuses fields the store cannot hold with a 400 naming them, and keeps flushing', async () => {
    expect(jobs.length).toBeGreaterThanOrEqual(hostile.length + 1);
    for (const [field, extra] of hostile) {
      const job = jobs.shift()!;
      const response = await send(job.jobId, extra);
      expect(response.statusCode, field).toBe(400);
      expect(response.json().code).toBe('VIGIL_ERR_BAD_REQUEST');
      expect(response.json().parameter, field).toMatch(
        new RegExp(`^body/results/0/result/${field.split('/')[0]}`),
      );
      // Reads flush the engine: still healthy.
      expect((await checksOf(job.monitorId)).statusCode, field).toBe(200);
    }
  });

  it('still stores a well-formed result, with its remote, TLS and log', async () => {
    const job = jobs.shift()!;
    const response = await send(job.jobId, {
      status: 503,
      httpVersion: '1.1',
      remote: { ip: '127.0.0.1', family: 4, port: 9 },
      tls: { daysLeft: 2_900_000, sans: ['a'], selfSigned: false, legacyFallback: false },
      log: {
        request: { line: 'GET /', headers: {} },
        response: null,
        body: null,
        bodyTruncated: false,
        connection: [],
      },
      redirects: [],
      assertions: [{ description: 'status eq 200', pass: false, expected: 200, actual: 503 }],
      extraFromANewerRunner: { anything: true },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().accepted).toEqual([job.jobId]);
    const checks = await checksOf(job.monitorId);
    expect(checks.statusCode).toBe(200);
    expect(checks.json().checks[0]).toMatchObject({ id: job.jobId });
  });
});
