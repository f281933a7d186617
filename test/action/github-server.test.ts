// The local GitHub server behaves like the real REST API for the calls Vigil makes, seen through
// the same Octokit (with the retry and throttling plugins) that Vigil's code uses.
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';

const REPO = 'acme/site';
const owner = 'acme';
const repo = 'site';

let server: GitHubServer;

// The throttling plugin spaces every write by 1-3 s (process-wide); only the rate-limit tests need
// it, so the others run without it.
function client(token = 'write-token', extra: Record<string, unknown> = {}, throttled = false) {
  const Client = Octokit.plugin(retry, throttling);
  return new Client({
    auth: token,
    baseUrl: server.url,
    retry: { retryAfterBaseValue: 10 },
    throttle: {
      enabled: throttled,
      onRateLimit: (_after: number, _options: unknown, _o: unknown, count: number) => count < 2,
      onSecondaryRateLimit: (_after: number, _options: unknown, _o: unknown, count: number) => count < 2,
    },
    log: { debug() {}, info() {}, warn() {}, error() {} },
    ...extra,
  });
}

beforeEach(async () => {
  server = await startGitHubServer({
    repos: [REPO],
    tokens: {
      'write-token': { login: 'github-actions[bot]' },
      'read-token': { login: 'github-actions[bot]', write: false },
    },
  });
});

afterEach(async () => {
  await server.close();
});

describe('issues', () => {
  it('creates an issue, creating its missing labels, and gets it back', async () => {
    const gh = client();
    const created = await gh.rest.issues.create({
      owner,
      repo,
      title: 'api is down',
      body: 'b',
      labels: ['vigil', 'monitor:api'],
    });
    expect(created.status).toBe(201);
    expect(created.data.number).toBe(1);
    expect(created.data.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual([
      'vigil',
      'monitor:api',
    ]);
    expect(created.data.user?.login).toBe('github-actions[bot]');
    expect(server.labels(REPO).map((l) => l.name)).toEqual(['vigil', 'monitor:api']);
    const got = await gh.rest.issues.get({ owner, repo, issue_number: 1 });
    expect(got.data.title).toBe('api is down');
    expect(got.data.state).toBe('open');
  });

  it('refuses an issue without a title with 422', async () => {
    const error = await client()
      .request('POST /repos/{owner}/{repo}/issues', { owner, repo, body: 'no title' } as never)
      .catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(422);
  });

  it('closes with a state_reason and reopens', async () => {
    const gh = client();
    await gh.rest.issues.create({ owner, repo, title: 't' });
    const closed = await gh.rest.issues.update({
      owner,
      repo,
      issue_number: 1,
      state: 'closed',
      state_reason: 'not_planned',
    });
    expect(closed.data.state).toBe('closed');
    expect(closed.data.state_reason).toBe('not_planned');
    expect(closed.data.closed_at).not.toBeNull();
    const closedDefault = await gh.rest.issues.create({ owner, repo, title: 'u' });
    const done = await gh.rest.issues.update({
      owner,
      repo,
      issue_number: closedDefault.data.number,
      state: 'closed',
    });
    expect(done.data.state_reason).toBe('completed');
    const reopened = await gh.rest.issues.update({ owner, repo, issue_number: 1, state: 'open' });
    expect(reopened.data.state).toBe('open');
    expect(reopened.data.state_reason).toBe('reopened');
    expect(reopened.data.closed_at).toBeNull();
  });

  it('lists by state and by labels (all must match), newest first by default', async () => {
    const gh = client();
    server.addIssue(REPO, { title: 'a', labels: ['vigil', 'incident'] });
    server.addIssue(REPO, { title: 'b', labels: ['vigil'] });
    server.addIssue(REPO, { title: 'c', labels: ['vigil', 'incident'], state: 'closed' });
    server.addIssue(REPO, { title: 'd', labels: ['other'] });
    const open = await gh.rest.issues.listForRepo({ owner, repo, labels: 'vigil,incident' });
    expect(open.data.map((i) => i.title)).toEqual(['a']);
    const all = await gh.rest.issues.listForRepo({ owner, repo, labels: 'VIGIL', state: 'all' });
    expect(all.data.map((i) => i.title)).toEqual(['c', 'b', 'a']);
    const asc = await gh.rest.issues.listForRepo({ owner, repo, state: 'all', direction: 'asc' });
    expect(asc.data.map((i) => i.title)).toEqual(['a', 'b', 'c', 'd']);
    const closed = await gh.rest.issues.listForRepo({ owner, repo, state: 'closed' });
    expect(closed.data.map((i) => i.title)).toEqual(['c']);
  });

  it('paginates with Link headers that octokit.paginate follows', async () => {
    for (let i = 1; i <= 230; i++) server.addIssue(REPO, { title: `issue ${i}`, labels: ['vigil'] });
    const gh = client();
    const first = await gh.rest.issues.listForRepo({ owner, repo, per_page: 100 });
    expect(first.data).toHaveLength(100);
    expect(first.headers.link).toContain('rel="next"');
    expect(first.headers.link).toContain('page=3');
    const everything = await gh.paginate(gh.rest.issues.listForRepo, {
      owner,
      repo,
      labels: 'vigil',
      per_page: 100,
    });
    expect(everything).toHaveLength(230);
    expect(new Set(everything.map((i) => i.number)).size).toBe(230);
    const pages = server.requests.filter((r) => r.path === `/repos/${REPO}/issues`);
    expect(pages.map((r) => r.query.page ?? '1')).toEqual(['1', '1', '2', '3']);
  });

  it('answers 404 for an unknown repository or issue', async () => {
    const gh = client();
    await expect(
      gh.rest.issues.get({ owner: 'nobody', repo: 'nothing', issue_number: 1 }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(gh.rest.issues.get({ owner, repo, issue_number: 99 })).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe('comments', () => {
  it('creates, lists, updates and deletes comments on a pull request', async () => {
    const gh = client();
    const pr = server.addPullRequest(REPO, { headSha: 'a'.repeat(40) });
    server.addComment(REPO, pr, 'a human says hi', 'alice');
    const created = await gh.rest.issues.createComment({ owner, repo, issue_number: pr, body: 'plan v1' });
    expect(created.status).toBe(201);
    const updated = await gh.rest.issues.updateComment({
      owner,
      repo,
      comment_id: created.data.id,
      body: 'plan v2',
    });
    expect(updated.data.body).toBe('plan v2');
    const list = await gh.rest.issues.listComments({ owner, repo, issue_number: pr });
    expect(list.data.map((c) => [c.user?.login, c.body])).toEqual([
      ['alice', 'a human says hi'],
      ['github-actions[bot]', 'plan v2'],
    ]);
    await gh.rest.issues.deleteComment({ owner, repo, comment_id: created.data.id });
    expect(server.commentsOn(REPO, pr).map((c) => c.body)).toEqual(['a human says hi']);
    const issue = await gh.rest.issues.get({ owner, repo, issue_number: pr });
    expect(issue.data.pull_request).toBeDefined();
  });

  it('paginates comments', async () => {
    const pr = server.addPullRequest(REPO);
    for (let i = 0; i < 120; i++) server.addComment(REPO, pr, `c${i}`);
    const gh = client();
    const all = await gh.paginate(gh.rest.issues.listComments, {
      owner,
      repo,
      issue_number: pr,
      per_page: 50,
    });
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 120 }, (_, i) => `c${i}`));
  });

  it('refuses bodies over 65,536 characters with 422', async () => {
    const pr = server.addPullRequest(REPO);
    await expect(
      client().rest.issues.createComment({ owner, repo, issue_number: pr, body: 'x'.repeat(65_537) }),
    ).rejects.toMatchObject({ status: 422 });
  });
});

describe('labels', () => {
  it('gets (404 when missing), creates (422 when it exists) and adds labels to an issue', async () => {
    const gh = client();
    await expect(gh.rest.issues.getLabel({ owner, repo, name: 'monitor:api' })).rejects.toMatchObject({
      status: 404,
    });
    const made = await gh.rest.issues.createLabel({ owner, repo, name: 'monitor:api', color: 'ff0000' });
    expect(made.status).toBe(201);
    await expect(gh.rest.issues.createLabel({ owner, repo, name: 'Monitor:API' })).rejects.toMatchObject({
      status: 422,
    });
    expect((await gh.rest.issues.getLabel({ owner, repo, name: 'monitor:api' })).data.color).toBe('ff0000');
    await gh.rest.issues.create({ owner, repo, title: 't' });
    const added = await gh.rest.issues.addLabels({
      owner,
      repo,
      issue_number: 1,
      labels: ['monitor:api', 'new-one'],
    });
    expect(added.data.map((l) => l.name)).toEqual(['monitor:api', 'new-one']);
    await gh.rest.issues.removeLabel({ owner, repo, issue_number: 1, name: 'new-one' });
    expect(server.issues(REPO)[0]?.labels).toEqual(['monitor:api']);
  });
});

describe('pull requests', () => {
  it('reports a fork head repository', async () => {
    const pr = server.addPullRequest(REPO, { headRepo: 'mallory/site', headSha: 'b'.repeat(40) });
    const got = await client().rest.pulls.get({ owner, repo, pull_number: pr });
    expect(got.data.head.repo?.full_name).toBe('mallory/site');
    expect(got.data.base.repo.full_name).toBe(REPO);
    expect(got.data.head.sha).toBe('b'.repeat(40));
  });
});

describe('authentication', () => {
  it('answers 401 to an unknown token and 403 to a read-only token on mutations only', async () => {
    await expect(client('wrong').rest.issues.get({ owner, repo, issue_number: 1 })).rejects.toMatchObject({
      status: 401,
    });
    const pr = server.addPullRequest(REPO);
    const readOnly = client('read-token');
    await expect(readOnly.rest.issues.listComments({ owner, repo, issue_number: pr })).resolves.toMatchObject(
      { status: 200 },
    );
    const error = await readOnly.rest.issues
      .createComment({ owner, repo, issue_number: pr, body: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration'),
    });
    expect(server.commentsOn(REPO, pr)).toEqual([]);
  });
});

describe('failures on demand', () => {
  it('answers 500 the given number of times; the retry plugin gets through', async () => {
    const handle = server.failWith500({ method: 'POST', path: `/repos/${REPO}/issues` }, 2);
    const created = await client().rest.issues.create({ owner, repo, title: 't' });
    expect(created.status).toBe(201);
    expect(handle.used).toBe(2);
    expect(handle.remaining).toBe(0);
    expect(server.requests.map((r) => [r.method, r.status, r.injected])).toEqual([
      ['POST', 500, true],
      ['POST', 500, true],
      ['POST', 201, false],
    ]);
    expect(server.issues(REPO)).toHaveLength(1);
  });

  it('sends a secondary rate limit with retry-after; throttling waits at least that long', async () => {
    server.secondaryRateLimit({ method: 'POST' }, { retryAfterSeconds: 1 });
    const created = await client('write-token', {}, true).rest.issues.create({ owner, repo, title: 't' });
    expect(created.status).toBe(201);
    const [limited, ok] = server.requests;
    expect(limited?.status).toBe(403);
    expect(ok?.status).toBe(201);
    // A lower bound only: the client must not retry before retry-after.
    expect(ok!.at - limited!.at).toBeGreaterThanOrEqual(900);
  });

  it('sends 429 secondary limits too', async () => {
    server.secondaryRateLimit({ method: 'POST' }, { retryAfterSeconds: 1, status: 429 });
    await expect(
      client('write-token', {}, true).rest.issues.create({ owner, repo, title: 't' }),
    ).resolves.toMatchObject({ status: 201 });
    expect(server.requests.map((r) => r.status)).toEqual([429, 201]);
  });

  it('sends an exhausted primary rate limit with x-ratelimit-reset; throttling waits for the reset', async () => {
    server.primaryRateLimit({ path: /\/issues$/ }, { resetInSeconds: 1 });
    const list = await client('write-token', {}, true).rest.issues.listForRepo({ owner, repo });
    expect(list.status).toBe(200);
    const [limited] = server.requests;
    expect(limited?.status).toBe(403);
    expect(server.requests).toHaveLength(2);
  });

  it('loses the answer of a create that happened (drop after) and refuses one that did not (drop before)', async () => {
    const noRetry = client('write-token', { retry: { enabled: false } });
    server.dropConnection({ method: 'POST' }, { when: 'after' });
    await expect(noRetry.rest.issues.create({ owner, repo, title: 'lost answer' })).rejects.toBeDefined();
    expect(server.issues(REPO).map((i) => i.title)).toEqual(['lost answer']);
    server.dropConnection({ method: 'POST' }, { when: 'before' });
    await expect(noRetry.rest.issues.create({ owner, repo, title: 'never made' })).rejects.toBeDefined();
    expect(server.issues(REPO).map((i) => i.title)).toEqual(['lost answer']);
    expect(server.requests.map((r) => r.status)).toEqual(['dropped', 'dropped']);
  });

  it('keeps a rule until removed with times: Infinity', async () => {
    const handle = server.fail({ path: `/repos/${REPO}`, times: Number.POSITIVE_INFINITY, status: 503 });
    const noRetry = client('write-token', { retry: { enabled: false } });
    await expect(noRetry.rest.repos.get({ owner, repo })).rejects.toMatchObject({ status: 503 });
    await expect(noRetry.rest.repos.get({ owner, repo })).rejects.toMatchObject({ status: 503 });
    handle.remove();
    await expect(noRetry.rest.repos.get({ owner, repo })).resolves.toMatchObject({
      data: { default_branch: 'main' },
    });
  });
});

describe('request log', () => {
  it('records method, path, query, parsed body and token; waitForRequest resolves on a match', async () => {
    const waiting = server.waitForRequest((r) => r.method === 'POST' && r.path.endsWith('/comments'));
    const pr = server.addPullRequest(REPO);
    await client().rest.issues.createComment({ owner, repo, issue_number: pr, body: 'hello' });
    const seen = await waiting;
    expect(seen).toMatchObject({
      method: 'POST',
      status: 201,
      token: 'write-token',
      body: { body: 'hello' },
    });
    await client().rest.issues.listComments({ owner, repo, issue_number: pr, per_page: 5 });
    expect(server.requests.at(-1)?.query).toEqual({ per_page: '5' });
  });
});
