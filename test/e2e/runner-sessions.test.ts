// End to end: runner sessions against a real collector process. A session ends with its region key:
// after a restart with a rotated key the old token gets 401 RUNNER_UNKNOWN on heartbeat and claim,
// a runner still holding the old key stops (its key is refused), one given the new key registers
// and runs checks. A session also ends with its lifetime: the runner registers again on its own.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiError } from '../../schema/plan-types.ts';
import { startCollectorProcess } from '../support/collector-process.ts';
import { closedPort } from '../support/target-server.ts';
import {
  applyMonitors,
  getJson,
  idDueSoon,
  REGISTERED,
  startE2eCollector,
  startFlipTarget,
  startRunnerProcess,
  waitFor,
} from './support.ts';

const LONG = 300_000;
const OLD_KEY = 'e2e-region-a-old-key-0123456789';
const NEW_KEY = 'e2e-region-a-new-key-9876543210';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function post(url: string, path: string, token: string, body: unknown): Promise<Response> {
  return fetch(new URL(path, `${url}/`), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

interface CheckView {
  at: string;
  runner: string | null;
  ok: boolean;
}

describe('runner sessions against a collector process', () => {
  it(
    'ends sessions of a rotated key at restart; a runner with the new key goes on',
    async () => {
      const target = await startFlipTarget();
      cleanups.push(() => target.close());
      const dir = await mkdtemp(join(tmpdir(), 'vigil-e2e-keys-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const port = String(await closedPort());
      const token = 'e2e-keys-admin-token-0123456789';
      const envWith = (key: string) => ({
        VIGIL_EMBEDDED_RUNNER: 'false',
        VIGIL_REGION_KEYS: `a:${key}`,
        VIGIL_PORT: port,
        VIGIL_LOG_LEVEL: 'info',
      });

      let collector = await startCollectorProcess({ dir, token, env: envWith(OLD_KEY) });
      cleanups.push(() => collector.stop());
      const registered = await post(collector.url, 'v1/runners/register', OLD_KEY, {
        region: 'a',
        name: 'by-hand',
        version: '1',
        concurrency: 1,
      });
      expect(registered.status).toBe(200);
      const session = ((await registered.json()) as { token: string }).token;
      const old = await startRunnerProcess({ collector: collector.url, region: 'a', key: OLD_KEY });
      cleanups.push(() => old.stop('SIGKILL'));
      expect(
        (await post(collector.url, 'v1/runners/heartbeat', session, { inFlight: 0, free: 1 })).status,
      ).toBe(200);

      await collector.stop();
      collector = await startCollectorProcess({ dir, token, env: envWith(NEW_KEY) });
      cleanups.push(() => collector.stop());

      const beat = await post(collector.url, 'v1/runners/heartbeat', session, { inFlight: 0, free: 1 });
      expect(beat.status).toBe(401);
      expect(((await beat.json()) as ApiError).code).toBe('VIGIL_ERR_RUNNER_UNKNOWN');
      const claim = await post(collector.url, 'v1/runners/claim', session, { max: 1, wait: 0, inFlight: 0 });
      expect(claim.status).toBe(401);
      expect(((await claim.json()) as ApiError).code).toBe('VIGIL_ERR_RUNNER_UNKNOWN');

      // The runner with the old key loses its session, and its key no longer registers: it stops.
      const exit = await Promise.race([
        old.exited,
        new Promise<null>((r) => setTimeout(() => r(null), 90_000)),
      ]);
      expect(exit?.code).toBe(1);
      expect(old.stderr()).toContain('region');

      // One given the new key registers and checks.
      const fresh = await startRunnerProcess({ collector: collector.url, region: 'a', key: NEW_KEY });
      cleanups.push(() => fresh.stop('SIGKILL'));
      const id = idDueSoon('e2e-keys');
      await applyMonitors(
        collector,
        `monitors:\n  - id: ${id}\n    url: ${target.url('/keys')}\n    interval: 30s\n    timeout: 5s\n    regions: [a]\n`,
      );
      const check = await waitFor(
        'a check by the runner with the new key',
        async () =>
          (await getJson<{ checks: CheckView[] }>(collector, `/v1/monitors/${id}/checks`)).checks.find(
            (c) => c.runner === fresh.runnerId,
          ),
        60_000,
      );
      expect(check.ok).toBe(true);
    },
    LONG,
  );

  it(
    'a runner whose session expired while it was stopped registers again with its key and goes on checking',
    async () => {
      const target = await startFlipTarget();
      cleanups.push(() => target.close());
      // The shortest lifetime allowed; the runner is frozen (SIGSTOP) past it, so no heartbeat renews it.
      const collector = await startE2eCollector({ VIGIL_RUNNER_SESSION_TTL_MS: '60000' });
      cleanups.push(() => collector.stop());
      const runner = await startRunnerProcess({ collector: collector.url, region: 'a' });
      cleanups.push(() => runner.stop('SIGKILL'));
      runner.child.kill('SIGSTOP');
      cleanups.push(async () => runner.child.kill('SIGCONT'));
      await new Promise((r) => setTimeout(r, 62_000));
      runner.child.kill('SIGCONT');
      await waitFor(
        'the runner registered again',
        () =>
          (runner.stderr().match(new RegExp(REGISTERED.source, 'gm')) ?? []).length >= 2 ? true : undefined,
        60_000,
      );
      expect(collector.stdout()).toContain('runner session expired');
      const id = idDueSoon('e2e-ttl');
      await applyMonitors(
        collector,
        `monitors:\n  - id: ${id}\n    url: ${target.url('/ttl')}\n    interval: 30s\n    timeout: 5s\n    regions: [a]\n`,
      );
      const check = await waitFor(
        'a check after the new registration',
        async () =>
          (await getJson<{ checks: CheckView[] }>(collector, `/v1/monitors/${id}/checks`)).checks[0],
        60_000,
      );
      expect(check.ok).toBe(true);
      expect(check.runner).not.toBe(runner.runnerId);
      expect(runner.child.exitCode).toBeNull();
    },
    LONG,
  );
});
