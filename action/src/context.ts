// What GitHub tells an action about the run: the GITHUB_* variables and the event payload file.
// Read once into a plain object so the commands never touch process.env themselves.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ActionFailure } from './failure.ts';

export interface PullRequestInfo {
  number: number;
  /** Commit the author pushed (the checkout of a pull_request event is a merge commit). */
  headSha: string;
  headRepo: string | null;
  baseRepo: string | null;
  /** Head branch lives in another repository: the token is read-only and secrets are absent. */
  isFork: boolean;
}

export interface ActionContext {
  eventName: string;
  /** `owner/name` of the repository the workflow runs in. */
  repository: string;
  owner: string;
  repo: string;
  /** GITHUB_SHA: the commit checked out (a merge commit for pull_request events). */
  sha: string;
  /** GITHUB_REF, e.g. `refs/heads/main`. */
  ref: string;
  /** Absolute path of the checkout; annotation paths are relative to it. */
  workspace: string;
  apiUrl: string;
  serverUrl: string;
  /** Link to this workflow run, when GitHub gave the run id. */
  runUrl: string | null;
  defaultBranch: string | null;
  pullRequest: PullRequestInfo | null;
}

export const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

export function readContext(env: NodeJS.ProcessEnv): ActionContext {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!eventName || !owner || !repo) {
    throw new ActionFailure(
      'VIGIL_ACTION_BAD_CONTEXT',
      'GITHUB_EVENT_NAME or GITHUB_REPOSITORY (owner/name) is missing',
    );
  }
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const serverUrl = trimSlash(env.GITHUB_SERVER_URL || 'https://github.com');
  const runId = env.GITHUB_RUN_ID;
  return {
    eventName,
    repository,
    owner,
    repo,
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    workspace: path.resolve(env.GITHUB_WORKSPACE || process.cwd()),
    apiUrl: trimSlash(env.GITHUB_API_URL || 'https://api.github.com'),
    serverUrl,
    runUrl: runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : null,
    defaultBranch: stringAt(payload, ['repository', 'default_branch']),
    pullRequest: readPullRequest(payload, repository),
  };
}

function readPayload(file: string | undefined): unknown {
  if (!file) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ActionFailure(
      'VIGIL_ACTION_BAD_CONTEXT',
      `cannot read the event payload GITHUB_EVENT_PATH=${file}: ${(error as Error).message}`,
    );
  }
}

function readPullRequest(payload: unknown, repository: string): PullRequestInfo | null {
  const pr = valueAt(payload, ['pull_request']);
  const number = valueAt(pr, ['number']);
  if (typeof number !== 'number') return null;
  const headRepo = stringAt(pr, ['head', 'repo', 'full_name']);
  const baseRepo = stringAt(pr, ['base', 'repo', 'full_name']) ?? repository;
  // A deleted fork has head.repo null: still a fork (its token was never trusted).
  const isFork =
    headRepo === null
      ? valueAt(pr, ['head', 'repo']) === null
      : headRepo.toLowerCase() !== baseRepo.toLowerCase();
  return { number, headSha: stringAt(pr, ['head', 'sha']) ?? '', headRepo, baseRepo, isFork };
}

function valueAt(value: unknown, keys: string[]): unknown {
  let at = value;
  for (const key of keys) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function stringAt(value: unknown, keys: string[]): string | null {
  const at = valueAt(value, keys);
  return typeof at === 'string' && at.length > 0 ? at : null;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
