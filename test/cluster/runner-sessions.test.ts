// Runner sessions across two collector processes on one PostgreSQL schema: a session registered at
// A is taken at B (claim, heartbeat, results), found in the store by its token's hash; a renewal
// at A (a heartbeat past half the session's life) is taken at B under the new token; an unknown
// token is still 401 VIGIL_ERR_RUNNER_UNKNOWN at both.
import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, startE2eCollector, waitFor } from '../e2e/support.ts';
import { dropSchema, freshSchema, requirePostgres, schemaUrl } from '../store/postgres-support.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function post(base: string, path: string, bearer: string, body: unknown) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>),
  };
}

if (await requirePostgres('runner sessions across collectors')) {
  describe('runner sessions on two collectors of one database', () => {
    it('a session made at A is valid at B, renewed at A still valid at B', async () => {
      const schema = freshSchema();
      cleanups.push(() => dropSchema(schema));
      const env = { VIGIL_DATABASE_URL: schemaUrl(schema), VIGIL_RUNNER_SESSION_TTL_MS: '60000' };
      const a = await startE2eCollector(env);
      cleanups.push(() => a.stop('SIGKILL'));
      const b = await startE2eCollector(env);
      cleanups.push(() => b.stop('SIGKILL'));

      const registered = await post(a.url, '/v1/runners/register', KEYS.a, {
        region: 'a',
        name: 'r1',
        version: 'test',
        concurrency: 2,
      });
      expect(registered.status).toBe(200);
      const token = registered.body!.token as string;

      // Written by A's next flush (within 200 ms); B finds it in the store.
      const beat = await waitFor(
        'B to take the session',
        async () => {
          const answer = await post(b.url, '/v1/runners/heartbeat', token, { inFlight: 0, free: 2 });
          return answer.status === 200 ? answer : undefined;
        },
        10_000,
      );
      expect(beat.body).toEqual({ ok: true });
      expect(await post(b.url, '/v1/runners/claim', token, { max: 2, wait: 0, inFlight: 0 })).toEqual({
        status: 200,
        body: { jobs: [] },
      });
      expect(await post(b.url, '/v1/runners/results', token, { results: [] })).toMatchObject({ status: 200 });
      expect(
        await post(b.url, '/v1/runners/heartbeat', 'vigil_rs_unknown', { inFlight: 0, free: 2 }),
      ).toMatchObject({
        status: 401,
        body: { code: 'VIGIL_ERR_RUNNER_UNKNOWN' },
      });

      // Past half of its 60 s life, a heartbeat at A renews it: B takes the new token.
      await new Promise((done) => setTimeout(done, 31_000));
      const renewed = await post(a.url, '/v1/runners/heartbeat', token, { inFlight: 0, free: 2 });
      expect(renewed.status).toBe(200);
      const next = renewed.body!.token as string;
      expect(typeof next).toBe('string');
      await waitFor(
        'B to take the renewed token',
        async () =>
          (await post(b.url, '/v1/runners/heartbeat', next, { inFlight: 0, free: 2 })).status === 200
            ? true
            : undefined,
        10_000,
      );
    }, 180_000);
  });
}
