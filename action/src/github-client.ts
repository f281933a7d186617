// Octokit for the Action (common/octokit.ts): GITHUB_API_URL as base URL (GitHub Enterprise,
// tests), up to 3 retries, rate limits waited out up to 2 minutes (a job should not sit idle for
// an hour), every limit said in the log.
import { formatDurationForPeople } from '../../common/format.ts';
import { createOctokit, type GitHubClient } from '../../common/octokit.ts';

export type { GitHubClient };

const MAX_RATE_LIMIT_WAIT_SECONDS = 120;

export function createGitHubClient(
  token: string,
  baseUrl: string,
  log: (line: string) => void,
): GitHubClient {
  return createOctokit({
    token,
    baseUrl,
    userAgent: 'vigil-action',
    retries: 3,
    maxLimitRetries: 3,
    maxInlineWaitSeconds: MAX_RATE_LIMIT_WAIT_SECONDS,
    onLimit: (kind, retryAfter, wait, request) =>
      log(
        `GitHub ${kind} rate limit on ${request.method} ${request.url}: ${wait ? `retrying in ${formatDurationForPeople(retryAfter * 1000)}` : 'giving up'}`,
      ),
    log,
  });
}
