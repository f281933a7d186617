// The run's context from GitHub's environment and payload, and the inputs with their defaults.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ActionContext, readContext } from '../../action/src/context.ts';
import { ActionFailure, failureLine } from '../../action/src/failure.ts';
import { readInputs } from '../../action/src/inputs.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-action-ctx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function payloadFile(payload: unknown): string {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(payload));
  return file;
}

function pr(head: string | null, base = 'acme/site') {
  return {
    pull_request: {
      number: 7,
      head: { sha: 'f'.repeat(40), repo: head === null ? null : { full_name: head } },
      base: { repo: { full_name: base } },
    },
    repository: { default_branch: 'main' },
  };
}

function context(eventName: string, payload: unknown, extra: Record<string, string> = {}): ActionContext {
  return readContext({
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: payloadFile(payload),
    GITHUB_REPOSITORY: 'acme/site',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_WORKSPACE: dir,
    ...extra,
  });
}

function inputs(values: Record<string, string>, ctx: ActionContext) {
  return readInputs((name) => values[name] ?? '', ctx);
}

function failureOf(fn: () => unknown): ActionFailure {
  try {
    fn();
  } catch (error) {
    if (error instanceof ActionFailure) return error;
    throw error;
  }
  throw new Error('expected an ActionFailure');
}

describe('readContext', () => {
  it('reads a same-repository pull request', () => {
    const ctx = context('pull_request', pr('acme/site'), {
      GITHUB_RUN_ID: '42',
      GITHUB_API_URL: 'http://127.0.0.1:9/',
    });
    expect(ctx.pullRequest).toEqual({
      number: 7,
      headSha: 'f'.repeat(40),
      headRepo: 'acme/site',
      baseRepo: 'acme/site',
      isFork: false,
    });
    expect(ctx.owner).toBe('acme');
    expect(ctx.repo).toBe('site');
    expect(ctx.apiUrl).toBe('http://127.0.0.1:9');
    expect(ctx.runUrl).toBe('https://github.com/acme/site/actions/runs/42');
    expect(ctx.defaultBranch).toBe('main');
  });

  it('detects a fork by head and base repository names, and a deleted fork', () => {
    expect(context('pull_request', pr('mallory/site')).pullRequest?.isFork).toBe(true);
    expect(context('pull_request', pr('ACME/Site')).pullRequest?.isFork).toBe(false);
    expect(context('pull_request', pr(null)).pullRequest?.isFork).toBe(true);
  });

  it('has no pull request on a push', () => {
    expect(
      context('push', { ref: 'refs/heads/main', repository: { default_branch: 'main' } }).pullRequest,
    ).toBeNull();
  });

  it('fails with VIGIL_ACTION_BAD_CONTEXT outside GitHub Actions or on an unreadable payload', () => {
    expect(failureOf(() => readContext({})).code).toBe('VIGIL_ACTION_BAD_CONTEXT');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{not json');
    expect(
      failureOf(() =>
        readContext({ GITHUB_EVENT_NAME: 'push', GITHUB_REPOSITORY: 'a/b', GITHUB_EVENT_PATH: bad }),
      ).code,
    ).toBe('VIGIL_ACTION_BAD_CONTEXT');
  });
});

describe('readInputs', () => {
  const push = (ref: string) =>
    context('push', { repository: { default_branch: 'main' } }, { GITHUB_REF: ref });

  it('defaults to plan on pull requests, apply on a push to the default branch, plan on other pushes, validate otherwise', () => {
    expect(inputs({}, context('pull_request', pr('acme/site'))).command).toBe('plan');
    expect(inputs({}, context('pull_request_target', pr('acme/site'))).command).toBe('plan');
    expect(inputs({}, push('refs/heads/main')).command).toBe('apply');
    expect(inputs({}, push('refs/heads/feature')).command).toBe('plan');
    expect(inputs({}, push('refs/tags/v1')).command).toBe('plan');
    expect(inputs({}, context('workflow_dispatch', {})).command).toBe('validate');
  });

  it('takes an explicit command and refuses an unknown one', () => {
    expect(inputs({ command: 'apply' }, push('refs/heads/feature')).command).toBe('apply');
    const failure = failureOf(() => inputs({ command: 'deploy' }, push('refs/heads/main')));
    expect(failure.code).toBe('VIGIL_ACTION_BAD_INPUT');
    expect(failureLine(failure)).toBe(
      'VIGIL_ACTION_BAD_INPUT: input `command` is `deploy`; expected one of `validate`, `plan`, `apply`. Fix: fix the input in the workflow file',
    );
  });

  it('reads path, booleans and the other inputs with their defaults', () => {
    const ctx = push('refs/heads/main');
    expect(inputs({}, ctx)).toMatchObject({
      path: 'monitors',
      prune: true,
      comment: true,
      expectedPlanId: null,
      collectorUrl: '',
    });
    const set = inputs(
      {
        path: ' ops/monitors ',
        prune: 'false',
        comment: 'False',
        'expected-plan-id': 'p1',
        'collector-url': 'http://c',
      },
      ctx,
    );
    expect(set).toMatchObject({
      path: 'ops/monitors',
      prune: false,
      comment: false,
      expectedPlanId: 'p1',
      collectorUrl: 'http://c',
    });
    expect(failureOf(() => inputs({ prune: 'maybe' }, ctx)).code).toBe('VIGIL_ACTION_BAD_INPUT');
  });
});
