// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here.
// The runner protocol over HTTP (inject) against a real SQLite file, with a fake clock.
import { afterEach, describe, expect, it } from 'vitest';
import { nextSlot, slotOffset } from '../../collector/scheduler/slots.ts';
import type { ClaimResponse } from '../../runner/protocol.ts';
import type { ApiError } from '../../schema/plan-types.ts';
import { checkResult, type Harness, harness, KEY } from './harness.ts';

let open: Harness[] = [];
async function make(options: Parameters<typeof harness>[0] = {}): Promise<Harness> {
  const h = await harness(options);
  open.push(h);
  return h;
}
afterEach(async () => {
  for (const h of open.reverse()) await h.destroy();
  open = [];
});

const EU_KEY = 'eu-west-key-0123456789abcdef';
const US_KEY = 'us-east-key-0123456789abcdef';

describe('POST /v1/runners/register', () => {
  it('registers with the right region key and refuses a wrong one with a 401 naming the region', async () => {
    const h = await make({ regionKeys: `eu-west:${EU_KEY},us-east:${US_KEY}` });
    const ok = await h.registerRaw(
      { region: 'eu-west', name: 'eu-1', version: '0.1.0', concurrency: 5 },
      EU_KEY,
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ heartbeatInterval: 15_000, maxClaimWait: 25_000 });
    expect((ok.json() as { token: string }).token).toMatch(/^vigil_rs_/);

    const wrong = await h.registerRaw(
      { region: 'eu-west', name: 'eu-2', version: '0.1.0', concurrency: 5 },
      US_KEY,
    );
    expect(wrong.statusCode).toBe(401);
    expect((wrong.json() as ApiError).code).toBe('VIGIL_ERR_UNAUTHORIZED');
    expect((wrong.json() as ApiError).message).toContain('eu-west');
    expect(wrong.headers['www-authenticate']).toContain('Bearer');

    const none = await h.registerRaw(
      { region: 'eu-west', name: 'eu-3', version: '0.1.0', concurrency: 5 },
      null,
    );
    expect(none.statusCode).toBe(401);
    expect((none.json() as ApiError).message).toContain('eu-west');

    const unknownRegion = await h.registerRaw(
      { region: 'ap-south', name: 'x', version: '0.1.0', concurrency: 5 },
      EU_KEY,
    );
    expect(unknownRegion.statusCode).toBe(401);
    expect((unknownRegion.json() as ApiError).message).toContain('ap-south');

    const bad = await h.registerRaw(
      { region: 'EU WEST', name: 'x', version: '0.1.0', concurrency: 5 },
      EU_KEY,
    );
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as ApiError).code).toBe('VIGIL_ERR_BAD_REQUEST');
    const extra = await h.registerRaw(
      { region: 'eu-west', name: 'x', version: '1', concurrency: 5, x: 1 },
      EU_KEY,
    );
    expect(extra.statusCode).toBe(400);
  });

  it('accepts one key for any region', async () => {
    const h = await make({ regionKeys: KEY });
    for (const region of ['a', 'b', 'eu-west']) {
      const response = await h.registerRaw(
        { region, name: `${region}-1`, version: '1', concurrency: 1 },
        KEY,
      );
      expect(response.statusCode).toBe(200);
    }
    const wrong = await h.registerRaw({ region: 'a', name: 'a-2', version: '1', concurrency: 1 }, `${KEY}x`);
    expect(wrong.statusCode).toBe(401);
    expect((wrong.json() as ApiError).message).toBe('wrong region key for region `a`');
  });

  it('answers 401 VIGIL_ERR_RUNNER_UNKNOWN for an unknown or deregistered session', async () => {
    const h = await make();
    const r = await h.register('a');
    const unknown = await h.claimRaw({ ...r, token: 'vigil_rs_nope' }, { max: 1, wait: 0, inFlight: 0 });
    expect(unknown.statusCode).toBe(401);
    expect((unknown.json() as ApiError).code).toBe('VIGIL_ERR_RUNNER_UNKNOWN');
    const bye = await h.app.inject({
      method: 'POST',
      url: '/v1/runners/deregister',
      headers: { authorization: `Bearer ${r.token}` },
    });
    expect(bye.statusCode).toBe(204);
    const after = await h.claimRaw(r, { max: 1, wait: 0, inFlight: 0 });
    expect((after.json() as ApiError).code).toBe('VIGIL_ERR_RUNNER_UNKNOWN');
  });
});

describe('POST /v1/runners/claim', () => {
  it('long-polls: a waiting claim returns as soon as a job appears, with the spec and its secrets', async () => {
    const h = await make();
    const r = await h.register('a');
    // Nothing yet: wait 0 answers at once.
    expect(await h.claim(r, 10, 0)).toEqual([]);
    await h.sync(
      [
        {
          id: 'api',
          url: 'https://api.example.invalid/${TOKEN_PATH}',
          headers: { Authorization: 'Bearer ${API_KEY}' },
        },
      ],
      { TOKEN_PATH: 'p-123', API_KEY: 'secret-value-42' },
    );
    // A new monitor's first round falls on its hashed slot within the first minute.
    const due = nextSlot(h.clock.now(), 60_000, slotOffset('api', 60_000));
    await h.advance(Math.max(0, due - h.clock.now() - 5_000));
    const pending = h.claimRaw(r, { max: 10, wait: 25_000, inFlight: 0 });
    let answered = false;
    void pending.then(() => (answered = true));
    await h.clock.advance(1_000);
    expect(answered).toBe(false);
    while (!answered && h.clock.now() < due + 1_000) await h.clock.advance(50);
    expect(answered).toBe(true);
    // Answered at the due time, not when the 25 s wait ran out.
    expect(h.clock.now()).toBeLessThan(due + 1_000);
    const { jobs } = (await pending).json() as ClaimResponse;
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job).toMatchObject({
      monitorId: 'api',
      purpose: 'scheduled',
      spec: {
        url: 'https://api.example.invalid/${TOKEN_PATH}',
        headers: { Authorization: 'Bearer ${API_KEY}' },
        timeout: 15_000,
      },
      secrets: { TOKEN_PATH: 'p-123', API_KEY: 'secret-value-42' },
    });
    // Lease: the claim time plus the timeout plus 15 s.
    expect(job.deadline).toBeGreaterThanOrEqual(due + 30_000);
    expect(job.deadline).toBeLessThan(due + 31_000);
    // No other API shows the values.
    const views = [await h.get('/v1/monitors/api'), await h.get('/v1/monitors'), await h.get('/v1/runners')];
    for (const v of views) expect(v.body).not.toMatch(/secret-value-42|p-123/);
  });

  it('answers a pending claim with drain when the collector closes', async () => {
    const h = await make();
    const r = await h.register('a');
    const pending = h.claimRaw(r, { max: 10, wait: 25_000, inFlight: 0 });
    await h.clock.advance(10);
    await h.close();
    const response = await pending;
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ jobs: [], drain: true });
  });
});

describe('POST /v1/runners/results', () => {
  it('is idempotent by job id and rejects unknown jobs and other runners', async () => {
    const h = await make();
    const a1 = await h.register('a', 'a-1');
    const a2 = await h.register('a', 'a-2');
    await h.sync([{ id: 'web', url: 'https://web.example.invalid/' }]);
    const [job] = await h.nextJobs(a1);
    expect(job).toBeDefined();
    const at = h.clock.now();
    // Another runner cannot answer a job leased to a1.
    expect(await h.post(a2, [{ jobId: job!.jobId, result: checkResult(true, at) }])).toEqual({
      accepted: [],
      duplicates: [],
      rejected: [job!.jobId],
    });
    const first = await h.post(a1, [
      { jobId: job!.jobId, result: checkResult(true, at) },
      { jobId: 'no-such-job', result: checkResult(false, at) },
    ]);
    expect(first).toEqual({ accepted: [job!.jobId], duplicates: [], rejected: ['no-such-job'] });
    // The same batch again (its answer was lost): a duplicate, not a second check.
    const again = await h.post(a1, [{ jobId: job!.jobId, result: checkResult(false, at) }]);
    expect(again).toEqual({ accepted: [], duplicates: [job!.jobId], rejected: [] });
    const page = await h.json<{ checks: Array<{ id: string; ok: boolean }> }>('/v1/monitors/web/checks');
    expect(page.checks).toHaveLength(1);
    expect(page.checks[0]).toMatchObject({ id: job!.jobId, ok: true });
    expect((await h.json<{ state: string }>('/v1/monitors/web')).state).toBe('up');
  });

  it('stores messages and response logs with secret values redacted', async () => {
    const h = await make();
    const r = await h.register('a');
    await h.sync(
      [{ id: 'api', url: 'https://api.example.invalid/?key=${API_KEY}', confirm: { regions: 0 } }],
      {
        API_KEY: 'hunter2-secret-key',
      },
    );
    const [job] = await h.nextJobs(r);
    expect(job!.secrets).toEqual({ API_KEY: 'hunter2-secret-key' });
    const leaked = checkResult(false, h.clock.now(), {
      message: 'GET https://api.example.invalid/?key=hunter2-secret-key answered 500',
    });
    leaked.log!.request.line = 'GET /?key=hunter2-secret-key HTTP/1.1';
    leaked.log!.body = 'echo: hunter2-secret-key';
    await h.post(r, [{ jobId: job!.jobId, result: leaked }]);
    const withLogs = await h.get('/v1/monitors/api/checks?log=true', true);
    expect(withLogs.statusCode).toBe(200);
    expect(withLogs.body).not.toContain('hunter2');
    expect(withLogs.body).toContain('?key=${API_KEY}');
    const status = await h.get('/v1/monitors/api');
    expect(status.body).not.toContain('hunter2');
  });

  it('validates result bodies', async () => {
    const h = await make();
    const r = await h.register('a');
    const response = await h.app.inject({
      method: 'POST',
      url: '/v1/runners/results',
      headers: { authorization: `Bearer ${r.token}` },
      payload: { results: [{ jobId: 'x', result: { ok: 'yes' } }] },
    });
    expect(response.statusCode).toBe(400);
    expect((response.json() as ApiError).code).toBe('VIGIL_ERR_BAD_REQUEST');
  });
});

describe('GET /v1/runners', () => {
  it('lists region, name, version, last seen, in-flight, checks/min, online and region impairment', async () => {
    const h = await make({ runtime: { forgetAfter: 120_000 } });
    const a = await h.register('a', 'runner-a');
    const b = await h.register('b', 'runner-b');
    await h.sync([{ id: 'web', url: 'https://web.example.invalid/', regions: ['a'] }]);
    const [job] = await h.nextJobs(a);
    let list = await h.json<{
      runners: Array<Record<string, unknown>>;
      regions: Array<Record<string, unknown>>;
    }>('/v1/runners');
    expect(list.runners.map((r) => r.name)).toEqual(['runner-a', 'runner-b']);
    expect(list.runners[0]).toMatchObject({
      id: a.id,
      region: 'a',
      version: '0.1.0',
      online: true,
      inFlight: 1,
      checksPerMinute: 0,
      regionImpaired: false,
      embedded: false,
    });
    expect(typeof list.runners[0]!.lastSeen).toBe('string');
    await h.post(a, [{ jobId: job!.jobId, result: checkResult(true, h.clock.now()) }]);
    list = await h.json('/v1/runners');
    expect(list.runners[0]).toMatchObject({ inFlight: 0, checksPerMinute: 1 });
    expect(list.regions).toEqual([
      expect.objectContaining({ region: 'a', live: true, runners: 1, online: 1, impaired: false }),
      expect.objectContaining({ region: 'b', live: true, runners: 1, online: 1, impaired: false }),
    ]);

    // b falls silent: offline after 45 s.
    h.runners.find((r) => r.id === b.id)!.silent = true;
    await h.advance(50_000);
    list = await h.json('/v1/runners');
    expect(list.runners.find((r) => r.id === b.id)).toMatchObject({ online: false });
    expect(list.regions.find((r) => r.region === 'b')).toMatchObject({ live: false, online: 0 });
    // Silent for long (a day; 2 minutes here): forgotten, its session ends.
    await h.advance(80_000);
    list = await h.json('/v1/runners');
    expect(list.runners.map((r) => r.id)).toEqual([a.id]);
    const claim = await h.claimRaw(b, { max: 1, wait: 0, inFlight: 0 });
    expect((claim.json() as ApiError).code).toBe('VIGIL_ERR_RUNNER_UNKNOWN');
  });
});
