// End to end: a real collector process (no embedded runner, keys for regions `a` and `b`), two
// `vigil runner` processes, and a local target whose behaviour the test flips. A real outage
// (500, hang, refused) is voted down by both regions and recovers; a failure seen from one region
// only is stored as unconfirmed and never makes the monitor down.
//
// Monitors run at the language's shortest interval (30 s). There is no test clock in the
// collector; ids are picked so their first round falls a few seconds after the apply (support.ts).
// Only the monitor of the hanging path has a short timeout (2 s, to time out fast): a loaded
// machine can stall a loopback check for a second or two, and such a failure from region b would
// confirm the regional failure of region a.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorProcess } from '../support/collector-process.ts';
import { closedPort } from '../support/target-server.ts';
import {
  applyMonitors,
  type FlipTarget,
  getJson,
  idDueSoon,
  type RunnerProcess,
  startE2eCollector,
  startFlipTarget,
  startRunnerProcess,
  waitFor,
} from './support.ts';

interface CheckView {
  id: string;
  at: string;
  region: string;
  runner: string | null;
  purpose: string;
  roundId: string;
  ok: boolean;
  reason: string | null;
  status: number | null;
  mark: string | null;
}
interface MonitorView {
  id: string;
  state: string;
  since: string;
  incident: { start: string | null; end: string | null } | null;
  lastResults: { region: string; ok: boolean }[];
}
interface IncidentView {
  id: string;
  kind: string;
  monitorId: string | null;
  start: string | null;
  end: string | null;
  open: boolean;
  lastFailure: string | null;
}

const LONG = 360_000;

let target: FlipTarget;
let collector: CollectorProcess;
const runners: RunnerProcess[] = [];
const ids = { error: '', hang: '', refused: '', regional: '' };
/** Every state seen per monitor by a poller running through the whole file. */
const seen = new Map<string, Set<string>>();
let poller: ReturnType<typeof setInterval> | undefined;

async function monitor(id: string): Promise<MonitorView> {
  return getJson<MonitorView>(collector, `v1/monitors/${id}`);
}
async function checks(id: string): Promise<CheckView[]> {
  // Newest first from the API; oldest first here.
  return (
    await getJson<{ checks: CheckView[] }>(collector, `v1/monitors/${id}/checks?limit=1000`)
  ).checks.reverse();
}
function stateIs(id: string, state: string) {
  return async () => ((await monitor(id)).state === state ? true : undefined);
}

// Three processes to start (each given up to 60 s on a loaded machine) and an apply.
beforeAll(async () => {
  target = await startFlipTarget();
  collector = await startE2eCollector();
  runners.push(await startRunnerProcess({ collector: collector.url, region: 'a' }));
  runners.push(await startRunnerProcess({ collector: collector.url, region: 'b' }));
  ids.error = idDueSoon('e2e-error');
  ids.hang = idDueSoon('e2e-hang');
  ids.refused = idDueSoon('e2e-refused');
  ids.regional = idDueSoon('e2e-regional');
  target.set('/regional', { failRegions: ['a'] });
  const refusedPort = await closedPort();
  await applyMonitors(
    collector,
    `defaults:
  interval: 30s
  timeout: 10s
  confirm: { regions: 1 }
  recover: { checks: 2 }
monitors:
  - id: ${ids.error}
    url: ${target.url('/error')}
  - id: ${ids.hang}
    url: ${target.url('/hang')}
    timeout: 2s
  - id: ${ids.refused}
    url: http://127.0.0.1:${refusedPort}/
  - id: ${ids.regional}
    url: ${target.url('/regional')}
    flapping: false
`,
  );
  poller = setInterval(() => {
    for (const id of Object.values(ids)) {
      monitor(id).then(
        (m) => {
          const states = seen.get(id) ?? new Set<string>();
          states.add(m.state);
          seen.set(id, states);
        },
        () => undefined,
      );
    }
  }, 300);
}, 300_000);

afterAll(async () => {
  if (poller !== undefined) clearInterval(poller);
  target?.releaseHung();
  await Promise.all(runners.map((r) => r.stop('SIGKILL')));
  await collector?.stop();
  await target?.close();
});

/**
 * When the outage of a monitor that was up began, as its checks show it: after the last check
 * started before the flip that went well (ok, or a failure another region did not confirm). Not
 * the flip itself: a check that started just before it can reach the target after it, and fail.
 */
function outageFrom(history: CheckView[], flippedAt: number): number {
  const good = history.filter((c) => Date.parse(c.at) < flippedAt && (c.ok || c.mark === 'unconfirmed'));
  return Math.max(0, ...good.map((c) => Date.parse(c.at) + 1));
}

/** The failing checks of the first failing round after `after`, and when the monitor went down. */
async function detection(id: string, after: number) {
  const view = await monitor(id);
  const history = await checks(id);
  const failures = history.filter((c) => !c.ok && Date.parse(c.at) >= after);
  const first = failures[0]!;
  return { view, history, failures, first, detectionMs: Date.parse(view.since) - Date.parse(first.at) };
}

describe('detection end to end (collector + runners in regions a and b)', () => {
  it('lists both runners with their regions', async () => {
    const list = await getJson<{
      runners: { id: string; region: string; version: string; online: boolean }[];
    }>(collector, 'v1/runners');
    const mine = runners.map((r) => r.runnerId).sort();
    expect(list.runners.map((r) => r.id).sort()).toEqual(mine);
    for (const r of list.runners) {
      expect(r.online).toBe(true);
      expect(['a', 'b']).toContain(r.region);
      expect(r.version).toMatch(/^\d+\.\d+\.\d+/);
    }
  });

  it(
    'declares a real outage (500, hang, refused) down on votes from both regions, then recovers',
    async () => {
      // 500 and hang start healthy; refused is down from its first check.
      await waitFor(`${ids.error} up`, stateIs(ids.error, 'up'), 90_000);
      await waitFor(`${ids.hang} up`, stateIs(ids.hang, 'up'), 90_000);
      const flippedAt = Date.now();
      target.set('/error', 'error');
      target.set('/hang', 'hang');
      const from = new Map<string, number>();

      for (const [id, reason] of [
        [ids.error, 'status'],
        [ids.hang, 'timeout'],
        [ids.refused, 'connect_refused'],
      ] as const) {
        await waitFor(`${id} down`, stateIs(id, 'down'), 120_000);
        const since = id === ids.refused ? 0 : outageFrom(await checks(id), flippedAt);
        from.set(id, since);
        const { view, failures, first, detectionMs } = await detection(id, since);
        // The first failure was a periodic check; a verification from the other region agreed.
        expect(first.purpose).toBe('scheduled');
        expect(first.reason).toBe(reason);
        const verifications = failures.filter(
          (c) => c.purpose === 'verify' && Date.parse(c.at) <= Date.parse(view.since),
        );
        expect(verifications.length).toBeGreaterThanOrEqual(1);
        expect(verifications.every((c) => c.region !== first.region && c.reason === reason)).toBe(true);
        expect(new Set([first, ...verifications].map((c) => c.region))).toEqual(new Set(['a', 'b']));
        // The incident starts at the first failing check.
        expect(view.incident).not.toBeNull();
        expect(Date.parse(view.incident!.start!)).toBe(Date.parse(first.at));
        // Detection: decided by the one verification round the first failure opened, after it.
        // How fast that is, is bench/'s figure (a wall-clock bound here would flake under load).
        expect(detectionMs).toBeGreaterThanOrEqual(0);
        expect(new Set(verifications.map((c) => c.roundId)).size).toBe(1);
        console.info(`[e2e] ${id} (${reason}) down ${detectionMs} ms after its first failing check`);
      }

      // Recovery: the site answers again; down rounds see it, then recovery checks confirm it.
      target.set('/error', 'ok');
      target.set('/hang', 'ok');
      target.releaseHung();
      for (const id of [ids.error, ids.hang]) {
        await waitFor(`${id} up again`, stateIs(id, 'up'), 150_000);
        const history = await checks(id);
        const lastFailure = history.filter((c) => !c.ok).at(-1)!;
        const firstFailure = history.find((c) => !c.ok && Date.parse(c.at) >= from.get(id)!)!;
        const incidents = (
          await getJson<{ incidents: IncidentView[] }>(collector, `v1/incidents?monitor=${id}&kind=down`)
        ).incidents;
        expect(incidents).toHaveLength(1);
        const incident = incidents[0]!;
        expect(incident.open).toBe(false);
        expect(Date.parse(incident.start!)).toBe(Date.parse(firstFailure.at));
        expect(Date.parse(incident.end!)).toBe(Date.parse(lastFailure.at));
        // Successes after the last failure came from both regions (recover.checks 2, different regions).
        const after = history.filter((c) => c.ok && Date.parse(c.at) > Date.parse(lastFailure.at));
        expect(new Set(after.map((c) => c.region))).toEqual(new Set(['a', 'b']));
      }
    },
    LONG,
  );

  it(
    'never declares down a failure seen from one region only: stored as unconfirmed',
    async () => {
      const id = ids.regional;
      await waitFor(
        'two unconfirmed failures from region a',
        async () =>
          (await checks(id)).filter((c) => c.mark === 'unconfirmed').length >= 2 ? true : undefined,
        150_000,
      );
      const failures = (await checks(id)).filter((c) => !c.ok);
      for (const failure of failures) {
        expect(failure.region).toBe('a');
        expect(failure.reason).toBe('status');
        expect(failure.status).toBe(500);
      }
      // Every failure whose verification is over is marked unconfirmed (the newest may still be verifying).
      for (const failure of failures.slice(0, -1)) expect(failure.mark).toBe('unconfirmed');
      const unconfirmed = failures.filter((c) => c.mark === 'unconfirmed');
      const history = await checks(id);
      // Each failure was verified from region b, which saw the site up.
      for (const failure of unconfirmed.filter((c) => c.purpose === 'scheduled')) {
        const verification = history.filter(
          (c) => c.purpose === 'verify' && Date.parse(c.at) >= Date.parse(failure.at),
        );
        expect(verification.some((c) => c.region === 'b' && c.ok)).toBe(true);
      }
      expect(history.some((c) => c.region === 'b' && c.ok)).toBe(true);
      const states = seen.get(id) ?? new Set();
      expect(states.has('down')).toBe(false);
      expect(states.has('verifying') || states.has('up')).toBe(true);
      expect((await monitor(id)).state).not.toBe('down');
      const incidents = (
        await getJson<{ incidents: IncidentView[] }>(collector, `v1/incidents?monitor=${id}`)
      ).incidents;
      expect(incidents).toEqual([]);
      // The target saw requests from both regions, told apart by the User-Agent.
      expect(new Set(target.hitsOf('/regional').map((h) => h.region))).toEqual(new Set(['a', 'b']));
    },
    LONG,
  );
});
