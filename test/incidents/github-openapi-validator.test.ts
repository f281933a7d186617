// The OpenAPI judge of the local GitHub server (test/support/github-openapi.ts) catches drift: a
// body GitHub rejects, a parameter it does not take, an endpoint it does not have, an answer
// missing what GitHub always sends. And the local server, driven through every route it has,
// answers only in shapes GitHub documents (so the tests that use it talk to a GitHub that exists).
import { afterEach, describe, expect, it } from 'vitest';
import { checkExchange, findOperation } from '../support/github-openapi.ts';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';

const REPO = 'acme/ops';

describe('the judge catches what GitHub would not accept or not send', () => {
  it('a body GitHub rejects: labels as a string, an unknown state and state_reason', () => {
    expect(
      checkExchange({
        method: 'POST',
        path: '/repos/acme/ops/issues',
        query: {},
        body: { title: 't', labels: 'down' },
      }),
    ).toEqual([
      {
        request: 'POST /repos/acme/ops/issues',
        operation: 'POST /repos/{owner}/{repo}/issues',
        part: 'body',
        errors: ['body/labels: must be array [#/properties/labels/type]'],
      },
    ]);
    const [update] = checkExchange({
      method: 'PATCH',
      path: '/repos/acme/ops/issues/7',
      query: {},
      body: { state: 'done', state_reason: 'fixed' },
    });
    expect(update).toMatchObject({
      operation: 'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
      part: 'body',
    });
    expect(update!.errors).toEqual([
      'body/state: must be equal to one of the allowed values (["open","closed"]) [#/properties/state/enum]',
      'body/state_reason: must be equal to one of the allowed values (["completed","not_planned","duplicate","reopened",null]) [#/properties/state_reason/enum]',
    ]);
  });

  it('a missing required body field, a query parameter of the wrong type or unknown, a bad path parameter', () => {
    const comment = checkExchange({
      method: 'POST',
      path: '/repos/acme/ops/issues/7/comments',
      query: {},
      body: { text: 'hi' },
    });
    expect(comment.map((v) => [v.part, v.errors])).toEqual([
      ['body', ["body: must have required property 'body' [#/required]"]],
    ]);
    const list = checkExchange({
      method: 'GET',
      path: '/repos/acme/ops/issues',
      query: { per_page: 'many', state: 'all', label: 'vigil' },
      body: undefined,
    });
    expect(list.map((v) => [v.part, v.errors])).toEqual([
      [
        'query',
        [
          'query: must NOT have additional properties (label) [#/additionalProperties]',
          'query/per_page: must be integer [#/properties/per_page/type]',
        ],
      ],
    ]);
    const path = checkExchange({
      method: 'GET',
      path: '/repos/acme/ops/issues/seven',
      query: {},
      body: undefined,
    });
    expect(path.map((v) => [v.part, v.errors])).toEqual([
      ['path', ['path/issue_number: must be integer [#/properties/issue_number/type]']],
    ]);
  });

  it('an endpoint or method GitHub does not have', () => {
    expect(findOperation('POST', '/repos/acme/ops/incidents')).toBeNull();
    expect(checkExchange({ method: 'PUT', path: '/repos/acme/ops/issues/7', query: {}, body: {} })).toEqual([
      {
        request: 'PUT /repos/acme/ops/issues/7',
        operation: null,
        part: 'operation',
        errors: ['GitHub documents no such operation'],
      },
    ]);
    // A literal segment is preferred to a parameter: `comments` is not an issue number.
    expect(findOperation('GET', '/repos/acme/ops/issues/comments/12')).toBe(
      'GET /repos/{owner}/{repo}/issues/comments/{comment_id}',
    );
  });

  it('an answer missing a field GitHub always sends, or with a status it never gives', () => {
    const label = {
      id: 1,
      node_id: 'LA_1',
      url: 'http://127.0.0.1/l',
      name: 'vigil',
      color: '5319e7',
      default: false,
    };
    const [missing] = checkExchange({
      method: 'GET',
      path: '/repos/acme/ops/labels/vigil',
      query: {},
      body: undefined,
      response: { status: 200, body: label },
    });
    expect(missing).toEqual({
      request: 'GET /repos/acme/ops/labels/vigil',
      operation: 'GET /repos/{owner}/{repo}/labels/{name}',
      part: 'response',
      status: 200,
      errors: [
        "response: must have required property 'description' [https://vigil.test/github/components/label/required]",
      ],
    });
    const [status] = checkExchange({
      method: 'GET',
      path: '/repos/acme/ops/labels/vigil',
      query: {},
      body: undefined,
      response: { status: 201, body: { ...label, description: null } },
    });
    expect(status).toMatchObject({
      part: 'response',
      status: 201,
      errors: ['status 201 is not documented for this operation'],
    });
    expect(
      checkExchange({
        method: 'GET',
        path: '/repos/acme/ops/labels/vigil',
        query: {},
        body: undefined,
        response: { status: 200, body: { ...label, description: null } },
      }),
    ).toEqual([]);
  });
});

let server: GitHubServer;
afterEach(async () => {
  await server?.close();
});

async function call(method: string, path: string, body?: unknown, token = 'write'): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `token ${token}`,
      'content-type': 'application/json',
      accept: 'application/vnd.github+json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('the local GitHub server answers as GitHub documents', () => {
  it('every route, its answers and its errors', async () => {
    server = await startGitHubServer({
      repos: [REPO],
      tokens: { write: { login: 'vigil[bot]' }, read: { login: 'reader', write: false } },
      openapi: true,
    });
    const pr = server.addPullRequest(REPO, { headSha: 'a'.repeat(40) });
    const r = `/repos/${REPO}`;
    const statuses: Array<[string, number]> = [];
    const go = async (method: string, path: string, body?: unknown, token?: string) => {
      const response = await call(method, path, body, token);
      statuses.push([`${method} ${path}`, response.status]);
      return response.status === 204 ? null : ((await response.json()) as Record<string, unknown>);
    };
    await go('GET', '/rate_limit');
    await go('GET', r);
    await go('POST', `${r}/labels`, { name: 'vigil', color: '5319e7' });
    await go('POST', `${r}/labels`, { name: 'vigil', color: '5319e7' });
    const issue = await go('POST', `${r}/issues`, {
      title: 'Shop is down',
      body: 'b',
      labels: ['vigil'],
      assignees: ['octocat'],
    });
    const n = issue!.number as number;
    await go(
      'GET',
      `${r}/issues?state=all&labels=vigil&sort=created&direction=desc&since=2026-01-01T00:00:00Z&per_page=1&page=1`,
    );
    await go('GET', `${r}/issues/${n}`);
    await go('GET', `${r}/issues/${pr}`);
    await go('GET', `${r}/issues/999`);
    const comment = await go('POST', `${r}/issues/${n}/comments`, { body: 'still down' });
    const id = comment!.id as number;
    await go('GET', `${r}/issues/${n}/comments?since=2026-01-01T00:00:00Z&per_page=100&page=1`);
    await go('GET', `${r}/issues/comments/${id}`);
    await go('PATCH', `${r}/issues/comments/${id}`, { body: 'edited' });
    await go('DELETE', `${r}/issues/comments/${id}`);
    await go('GET', `${r}/labels?per_page=100`);
    await go('GET', `${r}/labels/vigil`);
    await go('GET', `${r}/labels/nope`);
    await go('POST', `${r}/issues/${n}/labels`, { labels: ['incident'] });
    await go('PUT', `${r}/issues/${n}/labels`, { labels: ['vigil', 'incident'] });
    await go('DELETE', `${r}/issues/${n}/labels/incident`);
    await go('PATCH', `${r}/issues/${n}`, { state: 'closed', state_reason: 'completed' });
    await go('GET', `${r}/pulls/${pr}`);
    await go('POST', `${r}/issues/${n}/comments`, { body: 'x' }, 'read');
    await go('GET', r, undefined, 'wrong');
    expect(statuses.filter(([, s]) => s >= 400)).toEqual([
      [`POST ${r}/labels`, 422],
      [`GET ${r}/issues/999`, 404],
      [`GET ${r}/labels/nope`, 404],
      [`POST ${r}/issues/${n}/comments`, 403],
      [`GET ${r}`, 401],
    ]);
    expect(server.checked).toBe(statuses.length);
    expect(server.violations).toEqual([]);
  });

  it('a request GitHub would reject is collected with its path and error; the answer is unchanged', async () => {
    server = await startGitHubServer({ repos: [REPO], openapi: true });
    const response = await call('POST', `/repos/${REPO}/issues`, { title: 'x', labels: 'down' });
    expect(response.status).toBe(201);
    expect(server.violations).toEqual([
      {
        seq: 1,
        request: `POST /repos/${REPO}/issues`,
        operation: 'POST /repos/{owner}/{repo}/issues',
        part: 'body',
        errors: ['body/labels: must be array [#/properties/labels/type]'],
      },
    ]);
  });

  it('an answer a test injected is not judged, the request still is', async () => {
    server = await startGitHubServer({ repos: [REPO], openapi: true });
    server.fail({ method: 'GET', status: 200, body: { not: 'an issue' } });
    await call('GET', `/repos/${REPO}/issues/1?bogus=1`);
    expect(server.violations.map((v) => v.part)).toEqual(['query']);
  });
});
