// Exponential backoff with jitter for calls to an unreachable collector. Pure: randomness is
// injected. "Equal jitter": half the exponential step is kept, the other half is random, so many
// runners retrying after a collector restart spread out without any of them waiting near zero.
// The cap is 10 s: once the collector is back, runners resume within seconds (checks missed
// while they wait are rounds lost), and a retry every 5-10 s per runner costs the collector nothing.

export interface BackoffOptions {
  /** First delay's upper bound, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 10_000 };

/** Delay before retry number `attempt` (0 = the first retry), in [step/2, step], step = min(max, base·2^attempt). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const step = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(step / 2 + (step / 2) * r);
}
