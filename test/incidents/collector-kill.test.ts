// Exactly one issue per incident across kill -9: a real collector process (embedded runner, a
// local target answering 500, the local GitHub server), killed with SIGKILL at the two moments
// that matter, then started again on the same database.
//
// Reaching a down incident fast without a test clock: `confirm.regions: 0` (the first failure is
// final), `alert.after: 0s`, and an id whose first round falls a few seconds after the apply
// (test/e2e/support.ts `idDueSoon`, picked once the collector runs). On a loaded machine the apply
// can take longer than that: then the first round comes one interval (30 s) later, and every wait
// below leaves room for it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMonitors, getJson, idDueSoon, startFlipTarget, waitFor } from '../e2e/support.ts';
import { type CollectorProcess, startCollectorProcess } from '../support/collector-process.ts';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';
import { collectorGitHubEnv } from '../support/kill-audit.ts';

const REPO = 'acme/ops';
const TOKEN = 'ghs_kill_test_token';
const ADMIN = 'kill-test-admin-token-0123456789';

interface IncidentsBody {
  incidents: Array<{
    id: string;
    open: boolean;
    alert: {
      id: string;
      deliveries: Array<{
        sink: string;
        state: string;
        issue: { number: number } | null;
        attempts: number;
        pending: number;
      }>;
    } | null;
  }>;
}

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  cleanup = [];
});

function collectorEnv(github: GitHubServer): Record<string, string> {
  return {
    ...collectorGitHubEnv(github, REPO, TOKEN),
  };
}

/** A collector on `dir` (kept across restarts; removed after the test). */
async function start(github: GitHubServer, dir: string): Promise<CollectorProcess> {
  const collector = await startCollectorProcess({ token: ADMIN, env: collectorEnv(github), dir });
  cleanup.push(() => collector.stop('SIGKILL'));
  return collector;
}

async function setup(prefix: string) {
  const github = await startGitHubServer({ repos: [REPO], tokens: { [TOKEN]: { login: 'vigil[bot]' } } });
  cleanup.push(() => github.close());
  const target = await startFlipTarget();
  cleanup.push(() => target.close());
  target.set('/health', 'error');
  const dir = await mkdtemp(join(tmpdir(), 'vigil-kill-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  /** The monitor file, with an id whose first round falls a few seconds from now. */
  const monitors = () => {
    const id = idDueSoon(prefix, 30_000, 4_000, 9_000);
    const yaml = `monitors:
  - id: ${id}
    url: ${target.url('/health')}
    interval: 30s
    confirm: { regions: 0 }
    recover: { checks: 1 }
    alert: { after: 0s, remind_every: 0 }
`;
    return { id, yaml };
  };
  return { github, target, monitors, dir };
}

const incidents = (collector: CollectorProcess) => getJson<IncidentsBody>(collector, 'v1/incidents');

async function deliveryOf(collector: CollectorProcess) {
  const body = await incidents(collector);
  return body.incidents[0]?.alert?.deliveries[0];
}

/** The delivery once the (restarted) collector has its issue open. */
function openDelivery(collector: CollectorProcess, what: string) {
  return waitFor(
    what,
    async () => {
      const d = await deliveryOf(collector);
      return d?.state === 'open' ? d : undefined;
    },
    60_000,
  );
}

describe('kill -9 never loses an operation nor makes a second issue', () => {
  it('killed after the outbox row was written, before it was delivered', async () => {
    const { github, monitors, dir } = await setup('kill-before');
    // GitHub is unreachable for now: every request loses its connection.
    const down = github.dropConnection({}, { times: Number.POSITIVE_INFINITY });
    const first = await start(github, dir);
    const { id, yaml } = monitors();
    await applyMonitors(first, yaml);
    // The down incident is queued and its delivery has been tried, unsuccessfully.
    await waitFor(
      'a queued, undelivered open',
      async () => {
        const d = await deliveryOf(first);
        return d !== undefined && d.state === 'pending' && d.pending >= 1 && d.attempts >= 1 ? d : undefined;
      },
      90_000,
    );
    expect(github.issues(REPO)).toHaveLength(0);
    expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');

    down.remove();
    const second = await start(github, dir);
    const delivered = await openDelivery(second, 'the issue opened after the restart');
    expect(github.issues(REPO)).toHaveLength(1);
    expect(delivered.issue?.number).toBe(github.issues(REPO)[0]!.number);
    expect(github.issues(REPO)[0]!.title).toMatch(new RegExp(`^${id} is down: `));
    // Before creating, the restarted collector looked for an earlier create by its marker.
    const search = github.requests.findIndex(
      (r) => r.method === 'GET' && r.path === `/repos/${REPO}/issues` && !r.injected,
    );
    const create = github.requests.findIndex(
      (r) => r.method === 'POST' && r.path === `/repos/${REPO}/issues`,
    );
    expect(search).toBeGreaterThanOrEqual(0);
    expect(search).toBeLessThan(create);
  }, 300_000);

  it('killed between the create and its answer: found again by its marker, then resolved', async () => {
    const { github, target, monitors, dir } = await setup('kill-during');
    // The create happens, but its answer is held long enough to kill the collector first.
    github.delayAnswer({ method: 'POST', path: `/repos/${REPO}/issues` }, 60_000);
    const first = await start(github, dir);
    await applyMonitors(first, monitors().yaml);
    await waitFor('the issue created', () => (github.issues(REPO).length === 1 ? true : undefined), 90_000);
    expect((await deliveryOf(first))?.state).toBe('pending');
    await first.stop('SIGKILL');

    const second = await start(github, dir);
    const delivered = await openDelivery(second, 'the lost create found again');
    expect(github.issues(REPO)).toHaveLength(1);
    expect(delivered.issue?.number).toBe(github.issues(REPO)[0]!.number);
    // pino writes asynchronously: the line may reach the pipe after the state the API shows.
    await waitFor(
      'the log line of the found issue',
      () =>
        second.stdout().includes('found the issue of an earlier create whose answer was lost')
          ? true
          : undefined,
      10_000,
    );

    // The site recovers: the same issue gets the recovery comment and is closed.
    target.set('/health', 'ok');
    await waitFor(
      'the issue closed',
      () => (github.issues(REPO)[0]!.state === 'closed' ? true : undefined),
      90_000,
    );
    expect(github.issues(REPO)).toHaveLength(1);
    expect(github.issues(REPO)[0]!.state_reason).toBe('completed');
    expect(github.commentsOn(REPO, github.issues(REPO)[0]!.number).map((c) => c.body.split('\n')[0])).toEqual(
      [expect.stringContaining('is up again')],
    );
    const creates = github.requests.filter((r) => r.method === 'POST' && r.path === `/repos/${REPO}/issues`);
    expect(creates.filter((r) => r.status === 201)).toHaveLength(0);
  }, 300_000);
});
