// The bundled Action (action/dist/index.js) run as a real process, with the environment a GitHub
// runner gives it, against a real collector process and the local GitHub server. What is asserted
// is what a user sees: workflow commands (annotations) on stdout, the job summary, the outputs,
// the PR comment, and what the collector holds afterwards.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listMonitors, syncPlan } from '../../client/collector-client.ts';
import { type CollectorProcess, startCollectorProcess } from '../support/collector-process.ts';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';
import { closedPort } from '../support/target-server.ts';
import { type ActionRun, type RunActionOptions, runAction } from './run-action.ts';

const REPO = 'acme/site';
const GITHUB_TOKEN = 'ghs_test_token';
const SECRET = 'canary-7f3a91-secret-value';
// Each case starts a collector and runs the Action as one to four processes; give a loaded
// two-core machine room.
const SLOW = 120_000;
const SHA1 = '1'.repeat(40);
const SHA2 = '2'.repeat(40);
const SHA3 = '3'.repeat(40);

const VALID = `monitors:
  - id: home
    name: Home page
    url: https://www.example.invalid/
    keywords: [Welcome]
  - id: api
    url: https://api.example.invalid/health
    headers:
      Authorization: Bearer \${STATUS_API_TOKEN}
`;

// Line numbers matter: the test asserts annotations at lines 4, 5 and 7.
const INVALID = `monitors:
  - id: landing
    url: https://www.example.invalid/
    keyword: [Welcome]
  - id: Bad_ID
    url: https://b.example.invalid/
    interval: 5s
`;

let workspace: string;
let collector: CollectorProcess;
let github: GitHubServer;

beforeEach(async () => {
  workspace = mkdtempSync(path.join(tmpdir(), 'vigil-action-ws-'));
  mkdirSync(path.join(workspace, 'monitors'));
  [collector, github] = await Promise.all([
    startCollectorProcess(),
    startGitHubServer({
      repos: [REPO],
      tokens: {
        [GITHUB_TOKEN]: { login: 'github-actions[bot]' },
        'fork-token': { login: 'github-actions[bot]', write: false },
      },
    }),
  ]);
});

afterEach(async () => {
  await Promise.all([collector.stop(), github.close()]);
  rmSync(workspace, { recursive: true, force: true });
});

function writeMonitors(files: Record<string, string>): void {
  rmSync(path.join(workspace, 'monitors'), { recursive: true, force: true });
  mkdirSync(path.join(workspace, 'monitors'));
  for (const [name, text] of Object.entries(files))
    writeFileSync(path.join(workspace, 'monitors', name), text);
}

function prPayload(number: number, headSha: string, headRepo = REPO) {
  return {
    action: 'synchronize',
    number,
    pull_request: {
      number,
      head: { sha: headSha, ref: 'change-monitors', repo: { full_name: headRepo } },
      base: { ref: 'main', repo: { full_name: REPO } },
    },
    repository: { full_name: REPO, default_branch: 'main' },
  };
}

function pushPayload(sha: string) {
  return { ref: 'refs/heads/main', after: sha, repository: { full_name: REPO, default_branch: 'main' } };
}

function collectorInputs(): Record<string, string> {
  return {
    'collector-url': collector.url,
    'collector-token': collector.token ?? '',
    'github-token': GITHUB_TOKEN,
  };
}

async function planPr(
  pr: number,
  headSha: string,
  extra: Partial<RunActionOptions> = {},
): Promise<ActionRun> {
  return runAction({
    workspace,
    eventName: 'pull_request',
    payload: prPayload(pr, headSha),
    ref: `refs/pull/${pr}/merge`,
    sha: 'e'.repeat(40),
    inputs: collectorInputs(),
    apiUrl: github.url,
    env: { STATUS_API_TOKEN: SECRET },
    ...extra,
  });
}

async function applyPush(sha: string, extra: Partial<RunActionOptions> = {}): Promise<ActionRun> {
  return runAction({
    workspace,
    eventName: 'push',
    payload: pushPayload(sha),
    ref: 'refs/heads/main',
    sha,
    inputs: collectorInputs(),
    apiUrl: github.url,
    env: { STATUS_API_TOKEN: SECRET },
    ...extra,
  });
}

function failedLine(run: ActionRun): string | undefined {
  // setFailed: an `::error::` without a file property.
  return run.commands.find((c) => c.command === 'error' && c.properties.file === undefined)?.message;
}

function fileErrors(run: ActionRun) {
  return run.commands.filter((c) => c.command === 'error' && c.properties.file !== undefined);
}

function expectNoSecret(run: ActionRun): void {
  // The one place the value may appear is the command asking the runner to mask it.
  expect(run.commands).toContainEqual({ command: 'add-mask', properties: {}, message: SECRET });
  const log = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
  expect(log.join('\n')).not.toContain(SECRET);
  expect(run.summary).not.toContain(SECRET);
}

describe('pull requests', { timeout: SLOW }, () => {
  it('plans a valid change: outputs, summary, one sticky comment updated on the next push, collector untouched', async () => {
    writeMonitors({ 'site.yml': VALID });
    const pr = github.addPullRequest(REPO, { headSha: SHA1 });

    const first = await planPr(pr, SHA1);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.outputs).toMatchObject({
      valid: 'true',
      creates: '2',
      updates: '0',
      replaces: '0',
      deletes: '0',
    });
    expect(first.outputs['plan-id']).toMatch(/\S/);
    expect(first.summary).toContain('2 monitors in 1 file under `monitors` are valid');
    expect(first.summary).toContain('2 to create');
    expect(first.summary).toContain(first.outputs['plan-id']);
    expect(fileErrors(first)).toEqual([]);

    const comments = github.commentsOn(REPO, pr);
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? '';
    expect(body.startsWith('<!-- vigil:plan path=monitors -->')).toBe(true);
    expect(body).toContain('2 to create');
    expect(body).toContain(SHA1.slice(0, 7));
    expect(body).toContain(first.outputs['plan-id']);
    expect(body).toContain('`api`');
    expect(body).not.toContain(SECRET);
    expectNoSecret(first);

    // A second push to the PR changes a monitor: the same comment is edited, not duplicated.
    writeMonitors({ 'site.yml': VALID.replace('keywords: [Welcome]', 'keywords: [Welcome, Hello]') });
    const second = await planPr(pr, SHA2);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const after = github.commentsOn(REPO, pr);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(comments[0]?.id);
    expect(after[0]?.body).toContain(SHA2.slice(0, 7));
    expect(after[0]?.body).not.toContain(SHA1.slice(0, 7));
    const writes = github.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
    expect(writes).toEqual([
      `POST /repos/${REPO}/issues/${pr}/comments`,
      `PATCH /repos/${REPO}/issues/comments/${comments[0]?.id}`,
    ]);
    expect(github.requests.every((r) => r.token === GITHUB_TOKEN)).toBe(true);

    // A plan is a dry run.
    expect(await listMonitors({ url: collector.url, token: collector.token ?? '' })).toEqual([]);
  });

  it('annotates every error at its file and line, fails, lists them in the summary, and plans nothing', async () => {
    writeMonitors({ 'good.yml': VALID, 'bad.yml': INVALID });
    const pr = github.addPullRequest(REPO, { headSha: SHA1 });
    const run = await planPr(pr, SHA1);
    expect(run.code).toBe(1);
    expect(run.outputs.valid).toBe('false');
    const errors = fileErrors(run);
    expect(
      errors.map((e) => [e.properties.file, e.properties.line, e.properties.col, e.properties.title]),
    ).toEqual([
      ['monitors/bad.yml', '4', '5', 'unknown_key'],
      ['monitors/bad.yml', '5', '9', 'invalid_id'],
      ['monitors/bad.yml', '7', '15', 'duration_out_of_range'],
    ]);
    const unknown = errors.find((e) => e.properties.line === '4');
    expect(unknown?.properties.title).toBe('unknown_key');
    expect(unknown?.properties.col).toBe('5');
    expect(unknown?.message).toContain('keywords');
    expect(run.stdout).toMatch(
      /^::error title=unknown_key,file=monitors\/bad\.yml,line=4,endLine=4,col=5,endColumn=\d+::/m,
    );
    expect(failedLine(run)).toMatch(
      /^VIGIL_ACTION_INVALID_MONITORS: 3 errors in 1 file under `monitors`\. Fix: fix the annotated lines/,
    );
    expect(run.summary).toContain('| [monitors/bad.yml:4:5](https://github.com/acme/site/blob/');
    expect(run.summary).toContain('Vigil failed: `VIGIL_ACTION_INVALID_MONITORS`');
    expect(run.outputs['plan-id']).toBeUndefined();
    expect(github.requests).toEqual([]);
  });

  it('annotates at most 10 errors, then one notice counting the rest; the summary has all', async () => {
    const keys = Array.from({ length: 13 }, (_, i) => `    bogus_${i}: 1`).join('\n');
    writeMonitors({
      'many.yml': `monitors:\n  - id: home\n    url: https://www.example.invalid/\n${keys}\n`,
    });
    const run = await runAction({
      workspace,
      eventName: 'pull_request',
      payload: prPayload(1, SHA1),
      inputs: { command: 'validate' },
      apiUrl: github.url,
    });
    expect(run.code).toBe(1);
    expect(fileErrors(run)).toHaveLength(10);
    const notices = run.commands.filter((c) => c.command === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]?.message).toContain('3 more errors not annotated here');
    expect(run.summary.match(/\| \[monitors\/many\.yml:\d+:\d+\]/g)).toHaveLength(13);
  });

  it('validates a fork PR, explains in the summary why there is no plan, writes no comment, and passes', async () => {
    writeMonitors({ 'site.yml': VALID });
    const pr = github.addPullRequest(REPO, { headSha: SHA1, headRepo: 'mallory/site' });
    // What a fork gets: no secrets (empty strings) and a read-only token.
    const run = await runAction({
      workspace,
      eventName: 'pull_request',
      payload: prPayload(pr, SHA1, 'mallory/site'),
      inputs: { 'collector-url': collector.url, 'collector-token': '', 'github-token': 'fork-token' },
      apiUrl: github.url,
      env: { STATUS_API_TOKEN: '' },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs.valid).toBe('true');
    expect(run.outputs['plan-id']).toBeUndefined();
    expect(run.summary).toContain('2 monitors in 1 file under `monitors` are valid');
    expect(run.summary).toContain('no plan for a pull request from a fork');
    expect(run.summary).toContain('`mallory/site`');
    expect(run.commands.some((c) => c.command === 'notice' && c.message.includes('fork'))).toBe(true);
    expect(failedLine(run)).toBeUndefined();
    expect(github.requests).toEqual([]);
  });

  it('validates a fork PR and still fails on invalid files', async () => {
    writeMonitors({ 'bad.yml': INVALID });
    const run = await runAction({
      workspace,
      eventName: 'pull_request',
      payload: prPayload(3, SHA1, 'mallory/site'),
      inputs: { 'github-token': 'fork-token' },
      apiUrl: github.url,
    });
    expect(run.code).toBe(1);
    expect(fileErrors(run).length).toBeGreaterThanOrEqual(3);
  });

  it('shows a deletion first, under a warning, when a monitor is removed from git', async () => {
    writeMonitors({ 'site.yml': VALID });
    expect((await applyPush(SHA1)).code).toBe(0);
    writeMonitors({ 'site.yml': VALID.slice(0, VALID.indexOf('  - id: api')) });
    const pr = github.addPullRequest(REPO, { headSha: SHA2 });
    const run = await planPr(pr, SHA2);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs).toMatchObject({ deletes: '1', creates: '0', updates: '0' });
    const body = github.commentsOn(REPO, pr)[0]?.body ?? '';
    const warning = body.indexOf('[!WARNING]');
    expect(warning).toBeGreaterThan(0);
    expect(body.indexOf('`api`')).toBeGreaterThan(warning);
    expect(body).toContain('1 monitor will be deleted');
    // Still there until merged.
    const held = await listMonitors({ url: collector.url, token: collector.token ?? '' });
    expect(held.map((m) => m.id).sort()).toEqual(['api', 'home']);
  });

  it('keeps the plan in the summary and warns when GitHub refuses the comment', async () => {
    writeMonitors({ 'site.yml': VALID });
    const pr = github.addPullRequest(REPO, { headSha: SHA1 });
    const run = await planPr(pr, SHA1, { inputs: { ...collectorInputs(), 'github-token': 'fork-token' } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.summary).toContain('2 to create');
    const warning = run.commands.find(
      (c) => c.command === 'warning' && c.message.startsWith('VIGIL_ACTION_GITHUB'),
    );
    expect(warning?.message).toContain('pull-requests: write');
    expect(github.commentsOn(REPO, pr)).toEqual([]);
  });
});

describe('apply', { timeout: SLOW }, () => {
  it('applies on push to main with the commit as revision, then re-applies as a no-op', async () => {
    writeMonitors({ 'site.yml': VALID });
    const first = await applyPush(SHA1);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.outputs).toMatchObject({ valid: 'true', creates: '2', deletes: '0' });
    expect(first.summary).toContain('2 created');
    expect(first.stdout).toContain('2 created');
    expectNoSecret(first);
    const held = await listMonitors({ url: collector.url, token: collector.token ?? '' });
    expect(held.map((m) => [m.id, m.gitRevision]).sort()).toEqual([
      ['api', SHA1],
      ['home', SHA1],
    ]);
    const api = held.find((m) => m.id === 'api');
    expect(JSON.stringify(api)).not.toContain(SECRET);

    const again = await applyPush(SHA2);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.outputs).toMatchObject({ creates: '0', updates: '0', replaces: '0', deletes: '0' });
    expect(again.summary).toContain('no changes');
    expect(again.stdout).toContain('Vigil apply: no changes.');
    expect(github.requests).toEqual([]);
  });

  it('prunes monitors removed from git, and keeps them with prune: false', async () => {
    writeMonitors({ 'site.yml': VALID });
    expect((await applyPush(SHA1)).code).toBe(0);
    writeMonitors({ 'site.yml': VALID.slice(0, VALID.indexOf('  - id: api')) });
    const kept = await applyPush(SHA2, { inputs: { ...collectorInputs(), prune: 'false' } });
    expect(kept.outputs.deletes).toBe('0');
    expect((await listMonitors({ url: collector.url })).map((m) => m.id).sort()).toEqual(['api', 'home']);
    const pruned = await applyPush(SHA3);
    expect(pruned.outputs.deletes).toBe('1');
    expect((await listMonitors({ url: collector.url })).map((m) => m.id)).toEqual(['home']);
  });

  it('refuses a stale plan: the collector changed after the plan was made', async () => {
    writeMonitors({ 'site.yml': VALID });
    const pr = github.addPullRequest(REPO, { headSha: SHA1 });
    const plan = await planPr(pr, SHA1);
    const planId = plan.outputs['plan-id'] ?? '';
    expect(planId).not.toBe('');
    // Someone else applies in between.
    await syncPlan(
      { url: collector.url, token: collector.token ?? '' },
      { revision: 'other', monitors: [{ id: 'other', url: 'https://other.example.invalid/' }], prune: false },
    );
    const run = await applyPush(SHA1, { inputs: { ...collectorInputs(), 'expected-plan-id': planId } });
    expect(run.code).toBe(1);
    expect(failedLine(run)).toMatch(
      /^VIGIL_ERR_STALE_PLAN: .*Fix: the monitors on the collector changed since the plan was made: re-run the plan/,
    );
    expect(run.summary).toContain('Vigil failed: `VIGIL_ERR_STALE_PLAN`');
    expect((await listMonitors({ url: collector.url })).map((m) => m.id)).toEqual(['other']);
    // With the plan id of the current state it applies.
    const fresh = await planPr(pr, SHA1);
    const ok = await applyPush(SHA1, {
      inputs: { ...collectorInputs(), 'expected-plan-id': fresh.outputs['plan-id'] ?? '' },
    });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
  });

  it('fails clearly when a secret a monitor uses is not in the step env, at the monitor', async () => {
    writeMonitors({ 'site.yml': VALID });
    const run = await applyPush(SHA1, { env: {} });
    expect(run.code).toBe(1);
    expect(failedLine(run)).toMatch(
      /^VIGIL_ACTION_MISSING_SECRET: 1 secret is not set in the step environment: STATUS_API_TOKEN\. Fix: .*secrets\.NAME/,
    );
    const [annotation] = fileErrors(run);
    expect(annotation?.properties).toMatchObject({
      file: 'monitors/site.yml',
      line: '6',
      title: 'secret_missing',
    });
    expect(await listMonitors({ url: collector.url })).toEqual([]);
  });
});

describe('collector failures', { timeout: SLOW }, () => {
  it('names the unreachable collector and what to do', async () => {
    writeMonitors({ 'site.yml': VALID });
    const port = await closedPort();
    const run = await applyPush(SHA1, {
      inputs: { ...collectorInputs(), 'collector-url': `http://127.0.0.1:${port}` },
    });
    expect(run.code).toBe(1);
    expect(failedLine(run)).toMatch(
      new RegExp(
        `^VIGIL_ERR_UNREACHABLE: cannot reach the collector at http://127\\.0\\.0\\.1:${port}: .*Fix: check that \`collector-url\` is right`,
      ),
    );
    expect(run.summary).toContain('Vigil failed: `VIGIL_ERR_UNREACHABLE`');
    expect(run.outputs.valid).toBe('true');
  });

  it('says the token was refused (401) and how to set it; the token is masked', async () => {
    writeMonitors({ 'site.yml': VALID });
    const run = await applyPush(SHA1, {
      inputs: { ...collectorInputs(), 'collector-token': 'wrong-token-value' },
    });
    expect(run.code).toBe(1);
    expect(failedLine(run)).toMatch(
      /^VIGIL_ERR_UNAUTHORIZED: .*Fix: set `collector-token` to the collector's admin token/,
    );
    expect(run.commands).toContainEqual({
      command: 'add-mask',
      properties: {},
      message: 'wrong-token-value',
    });
  });

  it('refuses a collector-url that is not http(s)', async () => {
    writeMonitors({ 'site.yml': VALID });
    const run = await applyPush(SHA1, {
      inputs: { ...collectorInputs(), 'collector-url': 'ftp://vigil.example.invalid' },
    });
    expect(run.code).toBe(1);
    expect(failedLine(run)).toMatch(
      /^VIGIL_ERR_BAD_URL: .*Fix: set `collector-url` to the http\(s\) base URL/,
    );
  });

  it('says when collector-url answers but is not a Vigil collector', async () => {
    writeMonitors({ 'site.yml': VALID });
    // The GitHub server answers JSON, but not the collector's error shape.
    const run = await applyPush(SHA1, { inputs: { ...collectorInputs(), 'collector-url': github.url } });
    expect(run.code).toBe(1);
    expect(failedLine(run)).toMatch(
      /^VIGIL_ERR_BAD_RESPONSE: .*Fix: `collector-url` answered, but not as a Vigil collector/,
    );
  });

  it('fails a push plan without collector inputs, naming the inputs', async () => {
    writeMonitors({ 'site.yml': VALID });
    const run = await applyPush(SHA1, { inputs: { 'github-token': GITHUB_TOKEN } });
    expect(run.code).toBe(1);
    expect(failedLine(run)).toBe(
      'VIGIL_ACTION_MISSING_INPUT: apply needs `collector-url` and `collector-token`. Fix: set the input in the workflow step (`with:`), from a repository secret',
    );
  });

  it('names a missing path and the checkout step', async () => {
    const run = await applyPush(SHA1, { inputs: { ...collectorInputs(), path: 'nowhere' } });
    expect(run.code).toBe(1);
    expect(failedLine(run)).toMatch(
      /^VIGIL_ACTION_PATH_MISSING: `nowhere` does not exist .*actions\/checkout/,
    );
  });
});
