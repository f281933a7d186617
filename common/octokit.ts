// The one Octokit factory, for the Action (PR comments, job summaries) and the collector's
// incident sink (issues). GitHub's own plugins do the waiting: @octokit/plugin-retry retries 5xx
// and network errors; @octokit/plugin-throttling waits out primary and secondary rate limits as
// GitHub says (`retry-after`, `x-ratelimit-reset`) and spaces mutations. A limit longer than
// `maxInlineWaitSeconds` (or past `maxLimitRetries`) is not slept through: the request fails and
// the caller decides (the Action reports it, the outbox schedules the retry for that time).
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';

export type GitHubClient = InstanceType<typeof Octokit>;

export type RateLimitKind = 'primary' | 'secondary';

export interface OctokitOptions {
  token: string;
  /** The REST API root: https://api.github.com, GitHub Enterprise's /api/v3, or a test server. */
  baseUrl: string;
  userAgent: string;
  /** Retries of 5xx and network errors inside one request. */
  retries: number;
  /** plugin-retry waits (n+1)² times this (ms); the plugin's default when absent. */
  retryBaseMs?: number;
  /** Statuses never retried by plugin-retry (429 belongs to the throttling plugin). */
  doNotRetry?: number[];
  /** Rate-limit retries allowed per request. */
  maxLimitRetries: number;
  /** Rate-limit waits up to this many seconds happen inside the request. */
  maxInlineWaitSeconds: number;
  /**
   * ms between mutations (3x between those that notify people), in limiter groups of this client
   * alone; absent: the plugin's defaults, shared by the process.
   */
  writeSpacingMs?: number;
  onLimit?: (kind: RateLimitKind, retryAfterSeconds: number, willWait: boolean, request: RequestInfo) => void;
  /** Octokit's own warnings and errors; silent when absent. */
  log?: (line: string) => void;
}

export interface RequestInfo {
  method: string;
  url: string;
}

let instances = 0;

export function createOctokit(options: OctokitOptions): GitHubClient {
  const Client = Octokit.plugin(retry, throttling);
  const onLimit =
    (kind: RateLimitKind) =>
    (retryAfter: number, request: RequestInfo, _octokit: unknown, retryCount: number): boolean => {
      const wait = retryCount < options.maxLimitRetries && retryAfter <= options.maxInlineWaitSeconds;
      options.onLimit?.(kind, retryAfter, wait, request);
      return wait;
    };
  const group = (minTime: number) => new Bottleneck.Group({ maxConcurrent: 1, minTime });
  const spacing = options.writeSpacingMs;
  const log = options.log ?? (() => undefined);
  return new Client({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: options.userAgent,
    throttle: {
      ...(spacing === undefined
        ? {}
        : // Own limiter groups: spacing is configurable, and two clients in one process (tests)
          // do not share one queue.
          { id: `vigil-octokit-${++instances}`, write: group(spacing), notifications: group(spacing * 3) }),
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
    retry: {
      retries: options.retries,
      ...(options.retryBaseMs === undefined ? {} : { retryAfterBaseValue: options.retryBaseMs }),
      ...(options.doNotRetry === undefined ? {} : { doNotRetry: options.doNotRetry }),
    },
    log: { debug() {}, info() {}, warn: log, error: log },
  });
}
