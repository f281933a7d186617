// End to end: a `vigil runner` process cut off from a real collector process (a TCP proxy between
// them, reset while cut) keeps the results it could not post and delivers them once the path is
// back. Those results are older than their rounds: stored (none lost, in order) but marked late and
// never counted, so the failures they carry change no state; the schedule carries on.
// The outage is about 40 s, longer than a round interval (30 s, the shortest the schema allows) and
// than a lease (timeout 2 s + 15 s), so the jobs in flight when it starts are missed before their
// results arrive; a 2-minute outage behaves the same, only slower to test.
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import {
  applyMonitors,
  getJson,
  idDueSoon,
  startE2eCollector,
  startFlipTarget,
  startRunnerProcess,
  waitFor,
} from './support.ts';

const CUT_MS = 40_000;
const LONG = 300_000;

interface StoredCheck {
  job_id: string;
  monitor_id: string;
  started_at: number;
  ok: number;
  late: number;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function storedChecks(dbPath: string): StoredCheck[] {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const rows = db.prepare('SELECT * FROM checks ORDER BY id').all() as unknown as StoredCheck[];
    return rows.map((r) => ({ ...r, late: r.late ?? 0 }));
  } finally {
    db.close();
  }
}

describe('a runner cut off from the collector', () => {
  it(
    'delivers what it buffered once the path is back: stored in order, late, not counted; no state change',
    async () => {
      const target = await startFlipTarget();
      cleanups.push(() => target.close());
      cleanups.push(async () => target.releaseHung());
      const collector = await startE2eCollector();
      cleanups.push(() => collector.stop());
      const upstream = new URL(collector.url);
      const proxy = await startTcpProxy({ host: upstream.hostname, port: Number(upstream.port) });
      cleanups.push(() => proxy.close());
      const runner = await startRunnerProcess({ collector: proxy.url, region: 'a' });
      cleanups.push(() => runner.stop('SIGKILL'));

      // Two monitors whose rounds fall within the same second, so both have a job in flight.
      const ids = [
        idDueSoon('e2e-cut-x', 30_000, 6_000, 7_000),
        idDueSoon('e2e-cut-y', 30_000, 6_000, 7_000),
      ];
      const path = (id: string) => `/${id}`;
      await applyMonitors(
        collector,
        `defaults:\n  interval: 30s\n  timeout: 2s\n  regions: [a]\n  confirm: { regions: 1 }\nmonitors:\n${ids
          .map((id) => `  - id: ${id}\n    url: ${target.url(path(id))}\n`)
          .join('')}`,
      );
      const stateOf = async (id: string) =>
        (await getJson<{ state: string }>(collector, `/v1/monitors/${id}`)).state;
      for (const id of ids)
        await waitFor(`${id} up`, async () => ((await stateOf(id)) === 'up' ? true : undefined), 60_000);

      // The next round hangs at the target (each probe fails by timeout after 2 s); the path is
      // cut as soon as both requests arrived, so both failures are produced while it is cut.
      for (const id of ids) target.set(path(id), 'hang');
      await waitFor(
        'the next round at the target',
        () => (ids.every((id) => target.hitsOf(path(id)).length >= 2) ? true : undefined),
        60_000,
      );
      proxy.cutOff();
      for (const id of ids) target.set(path(id), 'ok');
      const seen = new Set<string>();
      const watch = setInterval(() => {
        for (const id of ids)
          void stateOf(id).then(
            (s) => seen.add(s),
            () => undefined,
          );
      }, 500);
      cleanups.push(async () => clearInterval(watch));
      await new Promise((r) => setTimeout(r, CUT_MS));
      proxy.restore();
      const restoredAt = Date.now();

      // Every probe the runner made is stored (one target hit = one check), and the schedule goes on.
      const checks = await waitFor(
        'every result stored and a check after the outage',
        () => {
          const all = storedChecks(collector.dbPath);
          const complete = ids.every((id) => {
            const mine = all.filter((c) => c.monitor_id === id);
            return (
              mine.length === target.hitsOf(path(id)).length &&
              mine.some((c) => c.started_at > restoredAt && c.late === 0)
            );
          });
          return complete ? all : undefined;
        },
        120_000,
      );
      clearInterval(watch);

      for (const id of ids) {
        const mine = checks.filter((c) => c.monitor_id === id);
        // The history reads in the order they ran, the late one in its place. (Not the order they
        // were stored in: a fresh result may reach the collector before the buffered one.)
        const history = await getJson<{ checks: Array<{ at: string; late: boolean }> }>(
          collector,
          `/v1/monitors/${id}/checks`,
        );
        expect(history.checks).toHaveLength(mine.length);
        const at = history.checks.map((c) => Date.parse(c.at));
        expect(at).toEqual([...mine.map((c) => c.started_at)].sort((a, b) => b - a));
        expect(history.checks.filter((c) => c.late)).toHaveLength(1);
        // The failure produced during the outage: stored, late.
        const late = mine.filter((c) => c.late === 1);
        expect(late).toHaveLength(1);
        expect(late[0]!.ok).toBe(0);
        // Fresh checks before and after it succeeded and counted.
        expect(mine.filter((c) => c.late === 0).every((c) => c.ok === 1)).toBe(true);
        expect(await stateOf(id)).toBe('up');
      }
      // The late failures never moved a monitor out of up: no verification, no incident.
      expect([...seen]).toEqual(['up']);
      const incidents = await getJson<{ incidents: unknown[] }>(collector, '/v1/incidents');
      expect(incidents.incidents).toEqual([]);
      expect(runner.child.exitCode).toBeNull();
      // The runner kept them through the outage (it says so), and delivered them over the same session.
      expect(runner.stdout()).toContain('posting results failed; retrying');
    },
    LONG,
  );
});
