// Octokit for the incident sink, with GitHub's own retry and rate-limit plugins (no hand-written
// backoff here): 5xx and network errors are retried by @octokit/plugin-retry; primary and
// secondary rate limits wait as GitHub says (`retry-after`, `x-ratelimit-reset`) through
// @octokit/plugin-throttling, which also spaces mutations (1 s, and 3 s between writes that notify
// people, by default). Waits longer than `maxInlineWaitSeconds` are not slept through inside a
// request: the error goes back to the outbox, which schedules the retry for that time instead, so
// a long limit never holds a delivery slot.
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';

export type GitHubClient = InstanceType<typeof Octokit>;

export interface GitHubClientOptions {
  token: string;
  baseUrl: string;
  userAgent: string;
  /** Octokit's retry waits are (n+1)² times this (ms), for 5xx and network errors. */
  retryBaseMs: number;
  /** Retries inside one request; the outbox retries further with its own schedule. */
  retries: number;
  /** ms between mutations; 3x between those that notify people. */
  writeSpacingMs: number;
  /** Rate-limit waits up to this many seconds happen inside the request. */
  maxInlineWaitSeconds: number;
  onLimit?: (kind: 'primary' | 'secondary', retryAfterSeconds: number, willWait: boolean) => void;
}

let instances = 0;

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const Client = Octokit.plugin(retry, throttling);
  const onLimit =
    (kind: 'primary' | 'secondary') =>
    (retryAfter: number, _request: unknown, _octokit: unknown, retryCount: number): boolean => {
      const wait = retryCount < 2 && retryAfter <= options.maxInlineWaitSeconds;
      options.onLimit?.(kind, retryAfter, wait);
      return wait;
    };
  const group = (minTime: number) => new Bottleneck.Group({ maxConcurrent: 1, minTime });
  return new Client({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: options.userAgent,
    throttle: {
      // Own limiter groups: spacing is configurable (tests), and two collectors in one process
      // (tests again) do not share one queue.
      id: `vigil-incidents-${++instances}`,
      write: group(options.writeSpacingMs),
      notifications: group(options.writeSpacingMs * 3),
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
    retry: {
      retries: options.retries,
      retryAfterBaseValue: options.retryBaseMs,
      // 429 is left to the throttling plugin (it honours retry-after; plugin-retry would not).
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
}
