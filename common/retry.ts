// Retrying calls to another service, in one place: how long to back off after a failure, and how
// long the other side asked us to wait (Retry-After, and GitHub's rate-limit reset). Used by the
// runner's calls to the collector and by incident delivery to GitHub and webhooks. Pure:
// randomness and the clock come in.

export interface BackoffOptions {
  /** First delay's upper bound, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
}

/**
 * The runner's default towards an unreachable collector. The cap is 10 s: once the collector is
 * back, runners resume within seconds (checks missed while they wait are rounds lost), and a retry
 * every 5-10 s per runner costs the collector nothing.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 10_000 };

/**
 * Delay before retry number `attempt` (0 = the first retry): step = min(max, base·2^attempt).
 * With `random`, "equal jitter": the delay is in [step/2, step], so many clients retrying after a
 * restart spread out without any of them waiting near zero. Without it, exactly `step`.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random?: () => number): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const step = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  if (random === undefined) return step;
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(step / 2 + (step / 2) * r);
}

/** Retry-After (delta seconds or an HTTP date) as ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === undefined || value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** A header's value as text, or null. */
export function headerValue(
  headers: Record<string, string | number | undefined> | undefined,
  name: string,
): string | null {
  const value = headers?.[name];
  return value === undefined ? null : String(value);
}

/**
 * When an HTTP answer says a retry may succeed, as epoch ms: `retry-after`, or GitHub's primary
 * rate-limit reset (`x-ratelimit-remaining: 0` + `x-ratelimit-reset`); null when it does not say.
 * Header names in lower case.
 */
export function retryAtOf(
  headers: Record<string, string | number | undefined> | undefined,
  now: number,
): number | null {
  const after = parseRetryAfter(headerValue(headers, 'retry-after'), now);
  if (after !== null) return now + after;
  if (headerValue(headers, 'x-ratelimit-remaining') === '0') {
    const reset = Number(headerValue(headers, 'x-ratelimit-reset'));
    // One second after the reset, as GitHub's documentation recommends.
    if (Number.isFinite(reset) && reset > 0) return reset * 1000 + 1000;
  }
  return null;
}
