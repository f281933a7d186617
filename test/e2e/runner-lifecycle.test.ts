// End to end: the life of `vigil runner` processes against a real collector process. A wrong key
// exits non-zero with a message naming region and collector; SIGTERM drains (the check in flight
// finishes and is stored) and deregisters; a runner SIGKILLed while holding a lease has its job
// re-run by another runner and no false down follows; a collector restart does not stop runners.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CollectorProcess, startCollectorProcess } from '../support/collector-process.ts';
import { closedPort } from '../support/target-server.ts';
import {
  applyMonitors,
  type FlipTarget,
  getJson,
  idDueSoon,
  KEYS,
  REGISTERED,
  type RunnerProcess,
  startE2eCollector,
  startFlipTarget,
  startRunnerProcess,
  waitFor,
} from './support.ts';

interface CheckView {
  at: string;
  region: string;
  runner: string | null;
  purpose: string;
  roundId: string;
  ok: boolean;
  reason: string | null;
}
interface RunnerView {
  id: string;
  region: string;
  name: string;
  online: boolean;
}

const LONG = 300_000;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function collectorWithTarget(): Promise<{ collector: CollectorProcess; target: FlipTarget }> {
  const target = await startFlipTarget();
  cleanups.push(() => target.close());
  cleanups.push(async () => target.releaseHung());
  const collector = await startE2eCollector();
  cleanups.push(() => collector.stop());
  return { collector, target };
}

async function runner(collector: CollectorProcess, region: 'a' | 'b'): Promise<RunnerProcess> {
  const started = await startRunnerProcess({ collector: collector.url, region });
  cleanups.push(() => started.stop('SIGKILL'));
  return started;
}

async function checks(collector: CollectorProcess, id: string): Promise<CheckView[]> {
  return (
    await getJson<{ checks: CheckView[] }>(collector, `v1/monitors/${id}/checks?limit=1000`)
  ).checks.reverse();
}

async function runnersOf(collector: CollectorProcess): Promise<RunnerView[]> {
  return (await getJson<{ runners: RunnerView[] }>(collector, 'v1/runners')).runners;
}

describe('runner processes end to end', () => {
  it(
    'exits 1 with a clear message when the region key is wrong',
    async () => {
      const collector = await startE2eCollector();
      cleanups.push(() => collector.stop());
      for (const key of ['not-the-key', KEYS.b]) {
        const started = await startRunnerProcess({
          collector: collector.url,
          region: 'a',
          key,
          noWait: true,
        });
        cleanups.push(() => started.stop('SIGKILL'));
        const exit = await started.exited;
        expect(exit.code).toBe(1);
        expect(started.stderr()).toContain(
          `vigil runner: VIGIL_ERR_UNAUTHORIZED: region key for a was refused by ${collector.url}`,
        );
        expect(started.stderr()).not.toMatch(REGISTERED);
      }
      expect(await runnersOf(collector)).toEqual([]);
    },
    LONG,
  );

  it(
    'drains on SIGTERM: the check in flight finishes and is stored, then the runner deregisters',
    async () => {
      const { collector, target } = await collectorWithTarget();
      const a = await runner(collector, 'a');
      const id = idDueSoon('e2e-drain');
      target.set('/drain', 'hang');
      await applyMonitors(
        collector,
        `monitors:\n  - id: ${id}\n    url: ${target.url('/drain')}\n    interval: 30s\n    timeout: 20s\n    regions: [a]\n`,
      );
      await waitFor(
        'the check to reach the target',
        () => (target.hitsOf('/drain').length > 0 ? true : undefined),
        60_000,
      );
      a.child.kill('SIGTERM');
      await waitFor(
        'the runner to start draining',
        () => (/SIGTERM: draining/.test(a.stderr()) ? true : undefined),
        10_000,
      );
      // Held by the target: the runner cannot have finished, so it is still there.
      expect(a.child.exitCode).toBeNull();
      target.set('/drain', 'ok');
      target.releaseHung();
      const exit = await a.exited;
      expect(exit.code).toBe(0);
      expect(a.stderr()).toContain(
        `stopped: 1 checks run, 1 results stored, 0 lost, deregistered ${a.runnerId}`,
      );
      const stored = await checks(collector, id);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ region: 'a', runner: a.runnerId, ok: true, purpose: 'scheduled' });
      // Deregistered: not listed as online any more.
      const listed = (await runnersOf(collector)).filter((r) => r.id === a.runnerId);
      expect(listed.every((r) => !r.online)).toBe(true);
      // No further request reached the target after the drain.
      expect(target.hitsOf('/drain')).toHaveLength(1);
    },
    LONG,
  );

  it(
    'a runner killed mid-lease: its job is re-run by another runner and no false down happens',
    async () => {
      const { collector, target } = await collectorWithTarget();
      const byRegion = { a: await runner(collector, 'a'), b: await runner(collector, 'b') };
      const id = idDueSoon('e2e-lease');
      target.set('/lease', 'hang-first');
      await applyMonitors(
        collector,
        `monitors:\n  - id: ${id}\n    url: ${target.url('/lease')}\n    interval: 30s\n    timeout: 10s\n    confirm: { regions: 1 }\n`,
      );
      const states = new Set<string>();
      const poll = setInterval(() => {
        getJson<{ state: string }>(collector, `v1/monitors/${id}`).then(
          (m) => states.add(m.state),
          () => undefined,
        );
      }, 300);
      cleanups.push(async () => clearInterval(poll));

      const first = await waitFor(
        'the first check to reach the target',
        () => target.hitsOf('/lease')[0],
        60_000,
      );
      const killedRegion = first.region as 'a' | 'b';
      const survivor = killedRegion === 'a' ? byRegion.b : byRegion.a;
      const killed = byRegion[killedRegion];
      killed.child.kill('SIGKILL');
      expect((await killed.exited).signal).toBe('SIGKILL');

      // The lease (timeout + 15 s) expires; the job is re-queued once, to the runner still alive,
      // which runs it. (A short timeout would only speed this up, and a check stalled that long on
      // a loaded machine would be a failure, with a verification: the `verifying` seen below.)
      const rerun = await waitFor(
        'the job to be re-run by the other runner',
        async () => (await checks(collector, id)).find((c) => c.runner === survivor.runnerId),
        90_000,
      );
      expect(rerun).toMatchObject({ region: survivor.region, ok: true, purpose: 'scheduled' });
      const hits = target.hitsOf('/lease');
      expect(hits[1]?.region).toBe(survivor.region);
      const stats = await getJson<{ requeued: number }>(collector, 'v1/engine/stats');
      expect(stats.requeued).toBeGreaterThanOrEqual(1);
      // Nothing was stored from the killed runner, and its lost job was no vote for down.
      const stored = await checks(collector, id);
      expect(stored.some((c) => c.runner === killed.runnerId)).toBe(false);
      expect(stored.every((c) => c.ok)).toBe(true);
      await waitFor(
        'the monitor to be up',
        async () =>
          (await getJson<{ state: string }>(collector, `v1/monitors/${id}`)).state === 'up'
            ? true
            : undefined,
        60_000,
      );
      // After 45 s of silence the killed runner is offline.
      await waitFor(
        'the killed runner to be offline',
        async () =>
          (await runnersOf(collector)).find((r) => r.id === killed.runnerId)?.online === false
            ? true
            : undefined,
        120_000,
      );
      expect(states.has('down')).toBe(false);
      expect(states.has('verifying')).toBe(false);
    },
    LONG,
  );

  it(
    'keeps running through a collector restart and goes on reporting',
    async () => {
      const target = await startFlipTarget();
      cleanups.push(() => target.close());
      const dir = await mkdtemp(join(tmpdir(), 'vigil-e2e-restart-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      // The runner knows the collector by its address, so the restart must get the same port back:
      // one no port-0 bind nor outgoing connection can take while the collector is down.
      const port = String(await closedPort());
      const env = {
        VIGIL_EMBEDDED_RUNNER: 'false',
        VIGIL_REGION_KEYS: `a:${KEYS.a},b:${KEYS.b}`,
        VIGIL_PORT: port,
      };
      const token = 'e2e-restart-admin-token-0123456789';
      let collector = await startCollectorProcess({ dir, token, env });
      cleanups.push(() => collector.stop());
      const a = await runner(collector, 'a');
      const id = idDueSoon('e2e-restart');
      await applyMonitors(
        collector,
        `monitors:\n  - id: ${id}\n    url: ${target.url('/restart')}\n    interval: 30s\n    timeout: 10s\n    regions: [a]\n`,
      );
      await waitFor(
        'a first check',
        async () => ((await checks(collector, id)).length >= 1 ? true : undefined),
        60_000,
      );
      await collector.stop();
      const restartedAt = Date.now();
      collector = await startCollectorProcess({ dir, token, env });
      cleanups.push(() => collector.stop());
      const after = await waitFor(
        'a check after the restart',
        async () => (await checks(collector, id)).find((c) => Date.parse(c.at) > restartedAt),
        90_000,
      );
      expect(after).toMatchObject({ region: 'a', ok: true });
      expect(a.child.exitCode).toBeNull();
      // Its check came through a session the new collector knows: the old one, or a new registration.
      const listed = await runnersOf(collector);
      expect(listed.some((r) => r.region === 'a' && r.online && r.id === after.runner)).toBe(true);
    },
    LONG,
  );
});
