// Types of the verdict: what it reads (a monitor's spec, its state, the regions, one event) and
// what it answers (the new state, checks to dispatch, the cadence the scheduler should keep,
// incident events and marks on stored results). Everything here is plain serializable data, so a
// MonitorState can be stored as JSON and the verdict replayed from it after a restart.
//
// Times are Unix epoch milliseconds. The verdict never reads a clock: `now` comes in.

import type { FailureReason } from '../../probe/types.ts';
import type { MonitorSpec } from '../../schema/types.ts';
import type { RegionView, Rng } from '../domain/regions.ts';
import type { Cadence, Dispatch, Missed, RoundRef } from '../domain/rounds.ts';

export const STATE_NAMES = [
  'pending',
  'up',
  'verifying',
  'down',
  'recovering',
  'flapping',
  'paused',
] as const;
export type StateName = (typeof STATE_NAMES)[number];

/** The part of a monitor's spec the verdict reads. A full MonitorSpec fits. */
export type VerdictSpec = Pick<
  MonitorSpec,
  'id' | 'interval' | 'timeout' | 'regions' | 'confirm' | 'recover' | 'flapping' | 'paused' | 'maintenance'
>;

/** One check result as the verdict sees it (the engine builds it from a stored check). */
export interface Vote {
  jobId: string;
  round: RoundRef;
  region: string;
  runner: string | null;
  ok: boolean;
  reason: FailureReason | null;
  /** When the check started. */
  at: number;
  /**
   * The deadline of the round the job belonged to, as dispatched. A vote arriving after it is
   * late (votes.ts `isLate`): never counted. Absent: the engine did not say (never late).
   */
  deadline?: number;
}

export type VerdictEvent =
  /** A check result. */
  | { type: 'result'; vote: Vote }
  /** A job or a whole round that never ran. */
  | { type: 'missed'; missed: Missed }
  /** Time passes: round deadlines, re-dispatch after misses. Also send after a spec change. */
  | { type: 'tick' }
  /** The monitor was deleted: resolve what is open. */
  | { type: 'removed' };

export interface VerdictInput {
  spec: VerdictSpec;
  state: MonitorState;
  regions: RegionView;
  event: VerdictEvent;
  now: number;
  rng: Rng;
}

/** A vote kept in a round, in arrival order. Also what incident events carry as evidence. */
export interface RoundVote {
  jobId: string;
  region: string;
  runner: string | null;
  ok: boolean;
  reason: FailureReason | null;
  at: number;
}

export type RoundPurpose = 'verify' | 'down-round' | 'recovery';

/** The round the verdict is waiting on (at most one at a time). */
export interface OpenRound {
  id: string;
  purpose: RoundPurpose;
  openedAt: number;
  /** After this, jobs not yet answered count as missed (a `tick` at or after it closes them). */
  deadline: number;
  /** Jobs started and not yet answered (result or miss). */
  pending: number;
  /** Votes cast in this round, in arrival order (verify: the triggering failure first). */
  votes: RoundVote[];
  /** Job ids already answered, including misses: duplicates are ignored. */
  answered: string[];
  /** Single-region verification: re-checks still to dispatch from `recheckRegion`. */
  rechecks: number;
  recheckRegion: string | null;
  /** Verify: the state an unconfirmed verdict returns to (null for other rounds). */
  from: 'up' | 'flapping' | null;
}

export type IncidentKind = 'down' | 'flapping';

export interface Incident {
  /** Deterministic: `<monitor id>:<kind>:<start>`. */
  id: string;
  kind: IncidentKind;
  /** Time of the first failing check. */
  start: number;
  /** Time of the latest failing check so far; the incident's end once resolved. */
  lastFailure: number;
  failedChecks: number;
  reason: FailureReason | null;
  /** Job of the first failing check (its response log goes into the issue). */
  firstJobId: string | null;
  /** Opened inside a maintenance window: recorded, never announced. */
  suppressed: boolean;
  openedAt: number;
}

/** One entry of the flapping window: a scheduled check's outcome. */
export interface WindowEntry {
  ok: boolean;
  at: number;
  reason: FailureReason | null;
  jobId: string;
}

export interface MonitorState {
  /** Format version of this object. */
  v: 1;
  state: StateName;
  /** When the current state was entered (the `now` of that transition). */
  since: number;
  /** Counter for round ids the verdict creates. */
  seq: number;
  round: OpenRound | null;
  /** Outcomes of the last `flapping.window` scheduled checks, oldest first. */
  window: WindowEntry[];
  /** Flapping score of `window`, null until the window is full. */
  score: number | null;
  incident: Incident | null;
  /** Successful checks in a row since the last failure, while down or recovering. */
  streak: RoundVote[];
  /** Human status note, e.g. "no runner in regions eu, us"; cleared by the next counted result. */
  note: string | null;
  /** Start time of the latest counted check. */
  lastCheckAt: number | null;
  /** Ids of the last few closed rounds: late answers to them are never taken for a new round. */
  closedRounds: string[];
  /** The last verification decided as not confirmed: its late failing votes get the same mark. */
  lastVerify: { roundId: string; mark: Mark } | null;
}

export const MARKS = ['unconfirmed', 'inconclusive', 'impaired'] as const;
/**
 * - unconfirmed: a failure that verification voted down (not confirmed by the majority);
 * - inconclusive: a failure whose verification got no vote at all (every job missed);
 * - impaired: a result from an impaired region, set aside by the verdict (still stored).
 */
export type Mark = (typeof MARKS)[number];

export interface ResultMark {
  jobId: string;
  mark: Mark;
}

export type IncidentEventType = 'opened' | 'ongoing' | 'resolved';

export const INCIDENT_CAUSES = [
  /** opened: verification confirmed a failure. */
  'confirmed',
  /** opened: the flapping score entered [low, high]. */
  'flapping',
  /** flapping resolved + down opened: above high, a failure was confirmed by the quorum. */
  'escalated',
  /** ongoing: a down round or a flapping check failed again. */
  'failing',
  /** ongoing: a failure while recovering sent the monitor back to down. */
  'recovery_failed',
  /** resolved: up again (down: recovered; flapping: score below low). */
  'recovered',
  /** resolved: flapping score fell below low on a failing check; verification takes over. */
  'settled',
  /** resolved + opened: the failure outlived its maintenance window; the new one is announced. */
  'maintenance_ended',
  /** resolved: the monitor was paused. */
  'paused',
  /** resolved: the monitor was deleted. */
  'removed',
] as const;
export type IncidentCause = (typeof INCIDENT_CAUSES)[number];

export interface IncidentEvent {
  type: IncidentEventType;
  kind: IncidentKind;
  monitorId: string;
  incidentId: string;
  cause: IncidentCause;
  /** Time of the first failing check. */
  start: number;
  /** Time of the last failing check; set on `resolved` only. */
  end: number | null;
  lastFailure: number;
  failedChecks: number;
  reason: FailureReason | null;
  firstJobId: string | null;
  /** Inside a maintenance window: store it, do not announce it. */
  suppressed: boolean;
  /** When the verdict emitted it (`now`). */
  at: number;
  /** Evidence: the deciding round's votes (opened/ongoing of down), empty otherwise. */
  votes: RoundVote[];
  /** Flapping score at the time, when known. */
  score: number | null;
}

export interface Transition {
  from: StateName;
  to: StateName;
}

export interface VerdictOutput {
  state: MonitorState;
  /** Checks to run now or at `at` (hand them to `Scheduler.enqueue`). */
  dispatch: Dispatch[];
  /** Periodic rounds to keep (hand it to `Scheduler.setCadence`). */
  cadence: Cadence;
  /** When the verdict needs a `tick` (a round deadline or a retry), or null. */
  wakeAt: number | null;
  events: IncidentEvent[];
  marks: ResultMark[];
  /** State changes made by this step, in order (verifying -> down -> ... can chain). */
  transitions: Transition[];
}
