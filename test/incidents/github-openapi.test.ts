// Everything Vigil sends to GitHub, and everything the local GitHub server answers, checked
// against GitHub's own OpenAPI description (test/support/github-openapi.ts): an incident's whole
// life through the collector's real delivery code (labels, issue with response log, reminders,
// lost answers found again by their markers, recovery comment, close), and the bundled Action's
// sticky PR comment. Any departure is a violation with its request, part and schema error.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAction } from '../action/run-action.ts';
import { drive, type Harness, harness } from '../engine/harness.ts';
import { startCollectorProcess } from '../support/collector-process.ts';
import { descriptionStats } from '../support/github-openapi.ts';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';

const REPO = 'acme/ops';
const TOKEN = 'ghs_openapi_token';
const S = 1000;
const M = 60 * S;

/** Requests checked per case, printed at the end for the record. */
const checkedPerCase: string[] = [];
let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setup(alert: Record<string, unknown>): Promise<{ server: GitHubServer; h: Harness }> {
  const server = await startGitHubServer({
    repos: [REPO],
    tokens: { [TOKEN]: { login: 'vigil[bot]' } },
    openapi: true,
  });
  cleanup.push(() => server.close());
  const h = await harness({
    config: {
      githubRepository: REPO,
      githubToken: TOKEN,
      githubApiUrl: server.url,
      githubWriteSpacingMs: 0,
      githubRetryBaseMs: 5,
      incidentRetryBaseMs: 2 * S,
      incidentRetryMaxMs: 20 * S,
      publicUrl: 'https://status.example.invalid',
    },
  });
  cleanup.push(() => h.destroy());
  for (const region of ['r1', 'r2']) await h.register(region);
  await h.sync([{ id: 'shop', name: 'Shop', url: 'https://shop.example.invalid/', alert }]);
  return { server, h };
}

/** Lets the outbox retry (fake time) until nothing is pending. */
async function deliverAll(h: Harness): Promise<void> {
  for (let i = 0; i < 60; i++) {
    await h.app.vigil.incidents.settled();
    const [alert] = await h.app.vigil.store.alerts.list({ status: 'all', limit: 1 });
    const rows = alert === undefined ? [] : await h.app.vigil.store.alerts.outbox(alert.id);
    if (!rows.some((r) => r.state === 'pending')) return;
    await h.advance(10 * S);
  }
}

function operations(server: GitHubServer): string[] {
  return [...new Set(server.requests.map((r) => `${r.method} ${r.path.replace(/\d+$/, 'N')}`))].sort();
}

describe("GitHub's OpenAPI description", { timeout: 240_000 }, () => {
  it('an incident: labels, issue, reminders, lost answers found again, recovery, close: all as GitHub documents', async () => {
    const { server, h } = await setup({
      after: '0s',
      remind_every: '5m',
      labels: ['team:web'],
      assignees: ['octocat'],
      mentions: ['@acme/on-call'],
    });
    // The create and one reminder happen, but their answers are lost: the outbox tries again and
    // the sink searches issues and comments for its markers first.
    server.dropConnection({ method: 'POST', path: `/repos/${REPO}/issues` }, { when: 'after' });
    server.dropConnection({ method: 'POST', path: /\/comments$/ }, { when: 'after' });
    await drive(h, 70 * S, () => true);
    await drive(h, 8 * M, () => false);
    await deliverAll(h);
    await drive(h, 2 * M, () => true);
    await deliverAll(h);

    const issues = server.issues(REPO);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });
    const methods = operations(server);
    // The paths the marker searches take are in the log: nothing is left unchecked by accident.
    expect(methods).toEqual(
      expect.arrayContaining([
        `GET /repos/${REPO}/issues`,
        `GET /repos/${REPO}/issues/N`,
        `GET /repos/${REPO}/issues/1/comments`,
        `PATCH /repos/${REPO}/issues/N`,
        `POST /repos/${REPO}/issues`,
        `POST /repos/${REPO}/issues/1/comments`,
        `POST /repos/${REPO}/labels`,
      ]),
    );
    expect(server.requests.some((r) => r.status === 'dropped')).toBe(true);
    expect(server.checked).toBe(server.requests.length);
    checkedPerCase.push(`${expect.getState().currentTestName}: ${server.checked}`);
    expect(server.violations).toEqual([]);
  });

  it('a person closes the issue, a second incident opens a new one: all as GitHub documents', async () => {
    const { server, h } = await setup({ after: '0s', remind_every: '5m' });
    await drive(h, 70 * S, () => true);
    await drive(h, 2 * M, () => false);
    await deliverAll(h);
    const first = server.issues(REPO)[0]!;
    first.state = 'closed';
    first.state_reason = 'not_planned';
    await drive(h, 5 * M, () => false);
    await drive(h, 2 * M, () => true);
    await deliverAll(h);
    await drive(h, 2 * M, () => false);
    await deliverAll(h);
    expect(server.issues(REPO)).toHaveLength(2);
    expect(server.checked).toBe(server.requests.length);
    checkedPerCase.push(`${expect.getState().currentTestName}: ${server.checked}`);
    expect(server.violations).toEqual([]);
  });

  it("the Action's sticky PR comment: list, create, then update, as GitHub documents", async () => {
    const actionRepo = 'acme/site';
    const githubToken = 'ghs_action_token';
    const workspace = mkdtempSync(path.join(tmpdir(), 'vigil-openapi-ws-'));
    cleanup.push(async () => rmSync(workspace, { recursive: true, force: true }));
    const [collector, server] = await Promise.all([
      startCollectorProcess(),
      startGitHubServer({
        repos: [actionRepo],
        tokens: { [githubToken]: { login: 'github-actions[bot]' } },
        openapi: true,
      }),
    ]);
    cleanup.push(async () => {
      await collector.stop();
    });
    cleanup.push(() => server.close());
    const pr = server.addPullRequest(actionRepo, { headSha: '1'.repeat(40) });
    const plan = async (keyword: string, sha: string) => {
      mkdirSync(path.join(workspace, 'monitors'), { recursive: true });
      writeFileSync(
        path.join(workspace, 'monitors', 'site.yml'),
        `monitors:\n  - id: home\n    url: https://www.example.invalid/\n    keywords: [${keyword}]\n`,
      );
      return runAction({
        workspace,
        eventName: 'pull_request',
        payload: {
          action: 'synchronize',
          number: pr,
          pull_request: {
            number: pr,
            head: { sha, ref: 'change', repo: { full_name: actionRepo } },
            base: { ref: 'main', repo: { full_name: actionRepo } },
          },
          repository: { full_name: actionRepo, default_branch: 'main' },
        },
        repository: actionRepo,
        ref: `refs/pull/${pr}/merge`,
        sha: 'e'.repeat(40),
        inputs: {
          'collector-url': collector.url,
          'collector-token': collector.token ?? '',
          'github-token': githubToken,
        },
        apiUrl: server.url,
      });
    };
    const first = await plan('Welcome', '1'.repeat(40));
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const second = await plan('Hello', '2'.repeat(40));
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(server.requests.filter((r) => r.method !== 'GET').map((r) => r.method)).toEqual(['POST', 'PATCH']);
    expect(server.checked).toBe(server.requests.length);
    checkedPerCase.push(`${expect.getState().currentTestName}: ${server.checked}`);
    expect(server.violations).toEqual([]);
  });

  it('reports what it used', () => {
    const stats = descriptionStats();
    // Printed for the record (how long the 13 MB description costs a test file).
    console.info(
      `GitHub OpenAPI: load ${stats.loadMs.toFixed(0)} ms, compile ${stats.compileMs.toFixed(0)} ms, operations:\n  ${stats.operations.join('\n  ')}\nrequests checked:\n  ${checkedPerCase.join('\n  ')}`,
    );
    expect(stats.operations.length).toBeGreaterThan(0);
  });
});
