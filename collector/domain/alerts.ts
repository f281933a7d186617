// Types of the incident layer: an *alert* is what Vigil announces (an issue, a webhook message),
// built from the verdict's incident events, the certificate watch and region impairment events.
//
// One alert usually wraps one verdict incident. It wraps several when a monitor fails again
// during `alert.recovery_after`: that continues the same incident and issue, while the
// verdict (which knows nothing of `recovery_after`) starts a new incident id. The alert keeps the
// first id as its own and links the later ones to it.
//
// Times are Unix epoch milliseconds. Everything here is plain JSON-serializable data.

import type { FailureReason, ResponseLog, Timings } from '../../probe/types.ts';
import type { AlertConfig } from '../../schema/types.ts';

export const ALERT_KINDS = ['down', 'flapping', 'certificate', 'region'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * - open: failing (or flapping, or the certificate still expiring);
 * - recovering: the source said it ended; waiting `recovery_after` before it is closed;
 * - closed: finished (announced and resolved, or recorded without ever being announced).
 */
export const ALERT_STATUSES = ['open', 'recovering', 'closed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/**
 * How a closed alert ended for the people watching:
 * - announced: it was opened in the sinks and resolved there;
 * - recorded: it never reached the sinks (shorter than `alert.after`, maintenance, paused).
 */
export type AlertOutcome = 'announced' | 'recorded';

/** Why the source ended it (the verdict's resolved cause, or `renewed`/`restored`). */
export type AlertEndCause = string;

/** The part of a monitor an incident message shows. `url` keeps `${NAME}` references as written. */
export interface MonitorInfo {
  id: string;
  name: string;
  method: string;
  url: string;
  alert: Pick<AlertConfig, 'labels' | 'assignees' | 'mentions'>;
}

/** One region's latest vote, with what the votes table shows. */
export interface VoteDetail {
  region: string;
  jobId: string;
  ok: boolean;
  reason: FailureReason | null;
  /** The check's sentence. */
  message: string | null;
  status: number | null;
  ip: string | null;
  timings: Timings | null;
  /** When the check started. */
  at: number;
}

/** The first failing check: the evidence a person reads first. */
export interface FirstFailure {
  region: string;
  jobId: string;
  at: number;
  message: string | null;
  /** Response log; null when the check had none (or it was pruned). */
  log: ResponseLog | null;
}

/** Certificate alerts: what was seen. */
export interface CertificateDetail {
  daysLeft: number;
  validTo: string | null;
  subject: string | null;
  issuer: string | null;
  warningDays: number;
}

/** Region alerts: the evidence of the impairment. */
export interface RegionDetail {
  candidates: number;
  failing: number;
  ratio: number;
  /** Some monitors failing in the region. */
  monitors: string[];
}

export interface Alert {
  /** The first incident id (verdict), `<monitor>:certificate:<validTo>` or `region:<r>:<start>`. */
  id: string;
  kind: AlertKind;
  /** null for region alerts. */
  monitorId: string | null;
  /** Monitor id, or the region name for region alerts. */
  subject: string;
  /** The monitor as last seen (kept for messages after it is renamed or deleted). */
  monitor: MonitorInfo | null;
  status: AlertStatus;
  /** First failing check (or first observation). */
  start: number;
  /** Latest failing check so far. */
  lastFailure: number;
  /** Last failing check once ended; null while open. */
  end: number | null;
  failedChecks: number;
  /** Failed checks of the earlier incidents this alert continued (see `incidentIds`). */
  priorFailedChecks: number;
  reason: FailureReason | null;
  /** Inside a maintenance window: recorded, never announced. */
  suppressed: boolean;
  /** When the source said it ended (recovery_after counts from here); null while open. */
  resolvedAt: number | null;
  endCause: AlertEndCause | null;
  /** When the open operation was queued; null = never announced. */
  announcedAt: number | null;
  lastReminderAt: number | null;
  /** When it was finished (resolve queued, or recorded). */
  closedAt: number | null;
  outcome: AlertOutcome | null;
  /** Latest vote per region, sorted by region. */
  votes: VoteDetail[];
  firstFailure: FirstFailure | null;
  /** Flapping score when known. */
  score: number | null;
  certificate: CertificateDetail | null;
  region: RegionDetail | null;
  /** Sinks it was announced to (chosen when it opened: the monitor's `alert.sinks`). */
  sinks: string[];
  /** Verdict incident ids folded into this alert, first one first. */
  incidentIds: string[];
  createdAt: number;
  updatedAt: number;
}

/** What a sink is asked to do for an alert. */
export const OPERATIONS = ['open', 'remind', 'resolve'] as const;
export type Operation = (typeof OPERATIONS)[number];
