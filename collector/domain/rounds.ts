// Rounds and cadence: the vocabulary the scheduler and the verdict share, so neither imports the
// other. A round is the set of jobs started together for one monitor; the verdict decides which
// rounds to run (Dispatch) and how often (Cadence), the scheduler runs them and reports misses.
// Pure constants and types; times are epoch milliseconds.

/** Why a check ran. Stored with every check result. */
export const CHECK_PURPOSES = ['scheduled', 'verify', 'down-round', 'recovery'] as const;
export type CheckPurpose = (typeof CHECK_PURPOSES)[number];

/**
 * Identity of a round: the set of jobs started together for one monitor. Carried by every job and
 * echoed back with its result or its miss, so the verdict can group votes.
 * `size` is how many jobs the round started with (0 for a round missed as a whole).
 */
export interface RoundRef {
  id: string;
  purpose: CheckPurpose;
  size: number;
}

/** Why a job produced no result. A miss is never a vote, for or against. */
export const MISSED_REASONS = ['no_runner', 'lease_expired', 'deadline', 'cancelled'] as const;
export type MissedReason = (typeof MISSED_REASONS)[number];

export interface Missed {
  /** null when the whole round was missed before any job existed (no runner at all). */
  jobId: string | null;
  round: RoundRef;
  region: string | null;
  reason: MissedReason;
  /** Status text, e.g. "no runner in regions eu, us". */
  message: string | null;
}

/** What the scheduler should do periodically for this monitor. */
export type Cadence =
  | {
      kind: 'periodic';
      /** `scheduled` in pending/up/flapping, `down-round` while down. */
      purpose: 'scheduled' | 'down-round';
      /** Period in ms: `interval`, or min(interval, 1m) while down. */
      every: number;
      /** Regions per round: 1, or up to 4 while down. */
      fanout: number;
    }
  /** No periodic rounds (verifying, recovering, paused): the verdict's own rounds drive checks. */
  | { kind: 'hold' };

/** Checks the verdict wants run: one job per region, not before `at`. */
export interface Dispatch {
  monitorId: string;
  round: RoundRef;
  regions: string[];
  at: number;
  deadline: number;
}

/** While down, rounds run every min(interval, this). */
export const DOWN_PERIOD_MAX = 60_000;
/** Extra time after twice the timeout before an unanswered job counts as missed (lease expiry and
 *  one re-queue to another runner fit inside). */
export const ROUND_SLACK = 60_000;

export function roundDeadline(at: number, timeout: number): number {
  return at + 2 * timeout + ROUND_SLACK;
}
