// Octokit for the Action: GITHUB_API_URL as base URL (GitHub Enterprise, tests), retries on 5xx
// and network errors, and GitHub's rate limits respected (retry-after, secondary limits).
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';

export type GitHubClient = InstanceType<typeof Octokit>;

/** Rate-limit waits longer than this fail instead: a job should not sit idle for an hour. */
const MAX_RATE_LIMIT_WAIT_SECONDS = 120;

export function createGitHubClient(
  token: string,
  baseUrl: string,
  log: (line: string) => void,
): GitHubClient {
  const Client = Octokit.plugin(retry, throttling);
  const onLimit =
    (kind: string) =>
    (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
      const wait = retryCount < 3 && retryAfter <= MAX_RATE_LIMIT_WAIT_SECONDS;
      log(
        `GitHub ${kind} rate limit on ${options.method} ${options.url}: ${wait ? `retrying in ${retryAfter} s` : 'giving up'}`,
      );
      return wait;
    };
  return new Client({
    auth: token,
    baseUrl,
    userAgent: 'vigil-action',
    throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary') },
    retry: { retries: 3 },
    log: { debug() {}, info() {}, warn: log, error: log },
  });
}
