// The sticky plan comment, against the local GitHub server: created once, then found by its
// marker and edited in place; other comments (even ones quoting the marker) are left alone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../action/src/github-client.ts';
import { planMarker, upsertStickyComment } from '../../action/src/sticky-comment.ts';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';

const REPO = 'acme/site';
let server: GitHubServer;

beforeEach(async () => {
  server = await startGitHubServer({ repos: [REPO], tokens: { t: { login: 'github-actions[bot]' } } });
});
afterEach(async () => {
  await server.close();
});

describe('upsertStickyComment', () => {
  it('creates once, updates in place, and skips the write when nothing changed', async () => {
    const pr = server.addPullRequest(REPO);
    const github = createGitHubClient('t', server.url, () => {});
    const marker = planMarker('monitors');
    const target = { owner: 'acme', repo: 'site', issueNumber: pr, marker };
    const first = await upsertStickyComment(github, target, `${marker}\nplan 1`);
    expect(first.action).toBe('created');
    const second = await upsertStickyComment(github, target, `${marker}\nplan 2`);
    expect(second).toMatchObject({ action: 'updated', id: first.id });
    const third = await upsertStickyComment(github, target, `${marker}\nplan 2`);
    expect(third).toMatchObject({ action: 'unchanged', id: first.id });
    expect(server.commentsOn(REPO, pr).map((c) => c.body)).toEqual([`${marker}\nplan 2`]);
    expect(server.requests.filter((r) => r.method !== 'GET').map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });

  it('finds its comment among more than 100 others and ignores a reply quoting the marker', async () => {
    const pr = server.addPullRequest(REPO);
    const marker = planMarker('monitors');
    for (let i = 0; i < 130; i++) server.addComment(REPO, pr, `chatter ${i}`, 'alice');
    const mine = server.addComment(REPO, pr, `${marker}\nold plan`, 'github-actions[bot]');
    server.addComment(REPO, pr, `> ${marker}\n> old plan\n\nlooks good`, 'bob');
    const github = createGitHubClient('t', server.url, () => {});
    const result = await upsertStickyComment(
      github,
      { owner: 'acme', repo: 'site', issueNumber: pr, marker },
      `${marker}\nnew plan`,
    );
    expect(result).toMatchObject({ action: 'updated', id: mine.id });
    const bodies = server.commentsOn(REPO, pr).map((c) => c.body);
    expect(bodies).toHaveLength(132);
    expect(bodies.filter((b) => b.startsWith(marker))).toEqual([`${marker}\nnew plan`]);
  });

  it('keeps comments of different paths apart', async () => {
    const pr = server.addPullRequest(REPO);
    const github = createGitHubClient('t', server.url, () => {});
    const a = planMarker('monitors');
    const b = planMarker('staging/monitors');
    await upsertStickyComment(github, { owner: 'acme', repo: 'site', issueNumber: pr, marker: a }, `${a}\nA`);
    await upsertStickyComment(github, { owner: 'acme', repo: 'site', issueNumber: pr, marker: b }, `${b}\nB`);
    expect(server.commentsOn(REPO, pr)).toHaveLength(2);
  });

  it('retries a 500 from GitHub and still writes exactly one comment', async () => {
    const pr = server.addPullRequest(REPO);
    server.failWith500({ method: 'POST' }, 1);
    const github = createGitHubClient('t', server.url, () => {});
    const marker = planMarker('monitors');
    await upsertStickyComment(
      github,
      { owner: 'acme', repo: 'site', issueNumber: pr, marker },
      `${marker}\nplan`,
    );
    expect(server.commentsOn(REPO, pr)).toHaveLength(1);
  });

  it('surfaces a 403 from a read-only token', async () => {
    await server.close();
    server = await startGitHubServer({
      repos: [REPO],
      tokens: { ro: { login: 'github-actions[bot]', write: false } },
    });
    const pr = server.addPullRequest(REPO);
    const github = createGitHubClient('ro', server.url, () => {});
    const marker = planMarker('monitors');
    await expect(
      upsertStickyComment(
        github,
        { owner: 'acme', repo: 'site', issueNumber: pr, marker },
        `${marker}\nplan`,
      ),
    ).rejects.toMatchObject({ status: 403 });
  });
});
