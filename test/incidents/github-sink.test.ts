// The GitHub Issues sink against the local GitHub server: what it sends, and how each failure
// comes back (transient with a retry time, or permanent with a code).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Operation } from '../../collector/domain/alerts.ts';
import { renderOperation } from '../../collector/incidents/bodies.ts';
import { githubSink } from '../../collector/incidents/github/sink.ts';
import type { Delivery, IncidentSink, SinkRef } from '../../collector/incidents/sink.ts';
import { SinkError } from '../../collector/incidents/sink.ts';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';
import { makeAlert, snapshot, T0 } from './fixtures.ts';

const REPO = 'acme/ops';
const TOKEN = 'ghs_incident_token';
const quietLog = { warn() {}, info() {} };

let server: GitHubServer;
let sink: IncidentSink;

function makeSink(token = TOKEN, repository = REPO): IncidentSink {
  return githubSink.create(
    { repository, token, apiUrl: server.url, retryBaseMs: 5, writeSpacingMs: 0 },
    { now: Date.now, log: quietLog },
  );
}

let nextId = 1;
function delivery(op: Operation, ref: SinkRef | null = null, extra: Partial<Delivery> = {}): Delivery {
  const id = nextId++;
  return {
    id,
    op,
    alertId: makeAlert().id,
    priorAttempts: 0,
    queuedAt: Date.now(),
    message: renderOperation(snapshot(op), { now: T0 + 300_000, publicUrl: null, deliveryId: id }),
    ref,
    data: {},
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<SinkError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SinkError);
  return error as SinkError;
}

beforeEach(async () => {
  server = await startGitHubServer({ repos: [REPO], tokens: { [TOKEN]: { login: 'vigil[bot]' } } });
  sink = makeSink();
});

afterEach(async () => {
  await sink.close?.();
  await server.close();
});

describe('GitHub Issues sink', () => {
  it('opens the issue with title, body, labels (created first) and assignees', async () => {
    const outcome = await sink.open(delivery('open'));
    const [issue] = server.issues(REPO);
    expect(outcome.ref).toEqual({
      id: String(issue!.number),
      url: `${server.url}/web/${REPO}/issues/${issue!.number}`,
    });
    expect(issue!.title).toBe('API is down: status 500 is not 2xx');
    expect(issue!.body).toContain(`<!-- vigil:incident:api:down:${T0} -->`);
    expect(issue!.labels).toEqual(['vigil', 'incident', 'monitor:api', 'team:payments']);
    expect(issue!.assignees).toEqual(['octocat']);
    expect(server.labels(REPO).find((l) => l.name === 'vigil')?.color).toBe('5319e7');
    const posts = server.requests.filter((r) => r.method === 'POST').map((r) => r.path);
    expect(posts).toEqual([
      `/repos/${REPO}/labels`,
      `/repos/${REPO}/labels`,
      `/repos/${REPO}/labels`,
      `/repos/${REPO}/labels`,
      `/repos/${REPO}/issues`,
    ]);
    // Labels are created once per process.
    await sink.open(delivery('open'));
    expect(server.requests.filter((r) => r.path === `/repos/${REPO}/labels`)).toHaveLength(4);
  });

  it('labels that exist cost no write; a token that may not create labels still opens the issue', async () => {
    server.addIssue(REPO, { title: 'seed', labels: ['vigil', 'incident', 'monitor:api', 'team:payments'] });
    await sink.open(delivery('open'));
    expect(server.issues(REPO)).toHaveLength(2);
    expect(server.requests.filter((r) => r.path.includes('/labels') && r.method === 'POST')).toEqual([]);

    await sink.close?.();
    sink = makeSink();
    server.fail({
      method: 'POST',
      path: `/repos/${REPO}/labels`,
      status: 403,
      times: Number.POSITIVE_INFINITY,
      body: { message: 'Must have admin rights to Repository.' },
    });
    const other = delivery('open', null, { alertId: 'web:down:1' });
    other.message = { ...other.message, labels: ['vigil', 'incident', 'monitor:web'] };
    const { ref } = await sink.open(other);
    expect(ref).not.toBeNull();
    expect(server.issues(REPO)).toHaveLength(3);
  });

  it('a create whose answer was lost is found by its hidden marker before creating again', async () => {
    server.dropConnection({ method: 'POST', path: `/repos/${REPO}/issues` }, { when: 'after' });
    const first = delivery('open');
    const lost = await failure(sink.open(first));
    expect(lost.code).toBe('VIGIL_ERR_SINK_NETWORK');
    expect(lost.transient).toBe(true);
    expect(server.issues(REPO)).toHaveLength(1);

    const again = await sink.open({ ...first, priorAttempts: 1 });
    expect(server.issues(REPO)).toHaveLength(1);
    expect(again.ref?.id).toBe(String(server.issues(REPO)[0]!.number));
    const search = server.requests.find((r) => r.method === 'GET' && r.path === `/repos/${REPO}/issues`);
    expect(search?.query).toMatchObject({ labels: 'vigil', state: 'all' });
    // Never by title: another issue with the same title is not taken for it.
    server.addIssue(REPO, { title: 'API is down: status 500 is not 2xx', labels: ['vigil'] });
    const other = delivery('open', null, { alertId: 'api:down:1', priorAttempts: 1 });
    const created = await sink.open(other);
    expect(created.ref?.id).not.toBe(again.ref?.id);
    expect(server.issues(REPO)).toHaveLength(3);
  });

  it('assignees GitHub refuses do not cost the incident: opened without them', async () => {
    server.fail({
      method: 'POST',
      path: `/repos/${REPO}/issues`,
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [{ resource: 'Issue', field: 'assignees', code: 'invalid' }],
      },
    });
    await sink.open(delivery('open'));
    expect(server.issues(REPO)).toHaveLength(1);
    expect(server.issues(REPO)[0]!.assignees).toEqual([]);
    const creates = server.requests.filter((r) => r.method === 'POST' && r.path === `/repos/${REPO}/issues`);
    expect(creates.map((r) => (r.body as { assignees: string[] }).assignees)).toEqual([['octocat'], []]);
  });

  it('other validation failures of a create are permanent: VIGIL_ERR_SINK_REJECTED', async () => {
    server.fail({
      method: 'POST',
      path: `/repos/${REPO}/issues`,
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [{ resource: 'Issue', field: 'title', code: 'invalid' }],
      },
    });
    const error = await failure(sink.open(delivery('open')));
    expect(error).toMatchObject({ code: 'VIGIL_ERR_SINK_REJECTED', transient: false, status: 422 });
  });

  it('the marker is found even when the labels were dropped', async () => {
    const marker = `<!-- vigil:incident:api:down:${T0} -->`;
    const dropped = server.addIssue(REPO, {
      title: 'API is down: status 500 is not 2xx',
      body: `${marker}\n...`,
    });
    const outcome = await sink.open(delivery('open', null, { priorAttempts: 1 }));
    expect(outcome.ref?.id).toBe(String(dropped.number));
    expect(server.issues(REPO)).toHaveLength(1);
    const searches = server.requests.filter((r) => r.method === 'GET' && r.path === `/repos/${REPO}/issues`);
    expect(searches.map((r) => r.query.labels)).toEqual(['vigil', undefined]);
  });

  it('reminds with a comment; a retried comment is not posted twice', async () => {
    const { ref } = await sink.open(delivery('open'));
    const remind = delivery('remind', ref!);
    server.dropConnection({ method: 'POST', path: /\/comments$/ }, { when: 'after' });
    await failure(sink.remind(remind));
    await sink.remind({ ...remind, priorAttempts: 1 });
    const comments = server.commentsOn(REPO, Number(ref!.id));
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('is still down after');
    expect(comments[0]!.body).toContain(`<!-- vigil:delivery:${remind.id} -->`);
  });

  it('resolves with a comment and closes as completed', async () => {
    const { ref } = await sink.open(delivery('open'));
    await sink.resolve(delivery('resolve', ref!));
    const issue = server.issues(REPO)[0]!;
    expect(issue.state).toBe('closed');
    expect(issue.state_reason).toBe('completed');
    expect(server.commentsOn(REPO, issue.number)[0]!.body).toContain('is up again');
  });

  it('a resolve retried after its close went through is not taken for a person closing it', async () => {
    const { ref } = await sink.open(delivery('open'));
    const resolve = delivery('resolve', ref!);
    // The close is made, its answer lost, three times (the try and Octokit's two retries).
    server.dropConnection({ method: 'PATCH' }, { when: 'after', times: 3 });
    await failure(sink.resolve(resolve));
    expect(server.issues(REPO)[0]!.state).toBe('closed');
    expect(await sink.resolve({ ...resolve, priorAttempts: 1 })).toEqual({});
    expect(server.commentsOn(REPO, Number(ref!.id))).toHaveLength(1);
  });

  it('an issue a person closed is left alone: no comment, never reopened', async () => {
    const { ref } = await sink.open(delivery('open'));
    const number = Number(ref!.id);
    const issue = server.issues(REPO)[0]!;
    issue.state = 'closed';
    issue.state_reason = 'not_planned';
    expect(await sink.remind(delivery('remind', ref!))).toEqual({ closedByHuman: true });
    expect(await sink.resolve(delivery('resolve', ref!))).toEqual({ closedByHuman: true });
    expect(server.commentsOn(REPO, number)).toHaveLength(0);
    expect(server.issues(REPO)[0]!.state_reason).toBe('not_planned');
    expect(server.requests.some((r) => r.method === 'PATCH')).toBe(false);
  });

  it('remind or resolve without an issue is a permanent failure', async () => {
    const error = await failure(sink.remind(delivery('remind', null)));
    expect(error.code).toBe('VIGIL_ERR_SINK_NO_ISSUE');
    expect(error.transient).toBe(false);
  });
});

describe('GitHub failures', () => {
  it('bad token: permanent VIGIL_ERR_SINK_AUTH', async () => {
    const bad = makeSink('wrong-token');
    const error = await failure(bad.open(delivery('open')));
    expect(error).toMatchObject({ code: 'VIGIL_ERR_SINK_AUTH', transient: false, status: 401 });
  });

  it('repository missing: permanent VIGIL_ERR_SINK_NOT_FOUND', async () => {
    const missing = makeSink(TOKEN, 'acme/gone');
    const error = await failure(missing.open(delivery('open')));
    expect(error).toMatchObject({ code: 'VIGIL_ERR_SINK_NOT_FOUND', transient: false, status: 404 });
  });

  it('read-only token: permanent VIGIL_ERR_SINK_FORBIDDEN', async () => {
    await server.close();
    server = await startGitHubServer({ repos: [REPO], tokens: { ro: { login: 'fork', write: false } } });
    const readOnly = makeSink('ro');
    const error = await failure(readOnly.open(delivery('open')));
    expect(error).toMatchObject({ code: 'VIGIL_ERR_SINK_FORBIDDEN', transient: false, status: 403 });
  });

  it('5xx on a create: no blind retry (it may have happened), transient VIGIL_ERR_SINK_UNAVAILABLE', async () => {
    server.failWith500({ method: 'POST', path: `/repos/${REPO}/issues` }, 1, 502);
    const error = await failure(sink.open(delivery('open')));
    expect(error).toMatchObject({ code: 'VIGIL_ERR_SINK_UNAVAILABLE', transient: true, status: 502 });
    expect(server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/issues'))).toHaveLength(1);
  });

  it('5xx on a read or a close: retried inside the request (Octokit retry plugin)', async () => {
    const { ref } = await sink.open(delivery('open'));
    const number = Number(ref!.id);
    server.failWith500({ method: 'GET', path: `/repos/${REPO}/issues/${number}` }, 2);
    server.failWith500({ method: 'PATCH', path: `/repos/${REPO}/issues/${number}` }, 2, 503);
    await sink.resolve(delivery('resolve', ref!));
    expect(server.issues(REPO)[0]!.state).toBe('closed');
    expect(server.requests.filter((r) => r.injected)).toHaveLength(4);

    server.failWith500({ method: 'GET' }, Number.POSITIVE_INFINITY);
    const error = await failure(sink.remind(delivery('remind', ref!)));
    expect(error).toMatchObject({ code: 'VIGIL_ERR_SINK_UNAVAILABLE', transient: true, status: 500 });
    // one try and two retries
    expect(server.requests.filter((r) => r.injected && r.method === 'GET')).toHaveLength(5);
  });

  it('secondary rate limit: waits retry-after inside the request, then succeeds', async () => {
    const limit = server.secondaryRateLimit(
      { method: 'POST', path: `/repos/${REPO}/issues` },
      { retryAfterSeconds: 1 },
    );
    const started = Date.now();
    await sink.open(delivery('open'));
    expect(limit.used).toBe(1);
    expect(server.issues(REPO)).toHaveLength(1);
    const [limited, retried] = server.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/issues'),
    );
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('429 with a long retry-after goes back to the outbox with the time to retry', async () => {
    server.fail({
      method: 'POST',
      path: `/repos/${REPO}/issues`,
      status: 429,
      headers: { 'retry-after': '120' },
      body: { message: 'Too Many Requests' },
    });
    const before = Date.now();
    const error = await failure(sink.open(delivery('open')));
    expect(error).toMatchObject({ code: 'VIGIL_ERR_SINK_RATE_LIMITED', transient: true, status: 429 });
    expect(error.retryAt).toBeGreaterThanOrEqual(before + 120_000);
  });

  it('primary rate limit far from its reset: transient with the reset time', async () => {
    server.primaryRateLimit({ method: 'POST', path: `/repos/${REPO}/issues` }, { resetInSeconds: 3600 });
    const error = await failure(sink.open(delivery('open')));
    expect(error).toMatchObject({ code: 'VIGIL_ERR_SINK_RATE_LIMITED', transient: true, status: 403 });
    expect(error.retryAt).toBeGreaterThan(Date.now() + 3_500_000);
  });

  it('connection dropped before an answer: transient VIGIL_ERR_SINK_NETWORK', async () => {
    server.dropConnection(
      { method: 'POST', path: `/repos/${REPO}/labels` },
      { times: Number.POSITIVE_INFINITY },
    );
    const error = await failure(sink.open(delivery('open')));
    expect(error).toMatchObject({ code: 'VIGIL_ERR_SINK_NETWORK', transient: true });
    expect(server.issues(REPO)).toHaveLength(0);
  });
});

describe('GitHub settings', () => {
  it('validate names the setting at fault', () => {
    const problems = githubSink.validate({
      repository: 'not a repo',
      token: null,
      apiUrl: 'ftp://x',
      retryBaseMs: 1000,
      writeSpacingMs: 1000,
    });
    expect(problems.map((p) => p.setting)).toEqual([
      'VIGIL_GITHUB_REPOSITORY',
      'VIGIL_GITHUB_TOKEN',
      'VIGIL_GITHUB_API_URL',
    ]);
    expect(
      githubSink.validate({
        repository: 'acme/ops',
        token: 't',
        apiUrl: 'https://api.github.com',
        retryBaseMs: 1000,
        writeSpacingMs: 1000,
      }),
    ).toEqual([]);
  });
});
