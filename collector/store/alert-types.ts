// Storage of incident delivery: alerts (what is announced, see domain/alerts.ts), the
// verdict incidents each alert wraps, the outbox of sink operations, and each sink's delivery
// state per alert (the GitHub issue number lives here). Outbox rows are written in the same
// transaction as the alert change that queues them: through `inTransaction(tx)` inside the
// engine's flush (its incident hook), or `write(...)` for timing and certificate changes.

import type { ResponseLog } from '../../probe/types.ts';
import type { MonitorSpec, Secrets } from '../../schema/types.ts';
import type { Alert, AlertKind, Operation } from '../domain/alerts.ts';
import type { OperationSnapshot } from '../domain/operation-snapshot.ts';
import type { CheckRecord, StoreTx } from './runtime-types.ts';

/** An outbox row: one operation for one sink. */
export interface OutboxRecord {
  id: number;
  alertId: string;
  sink: string;
  op: Operation;
  snapshot: OperationSnapshot;
  /** pending: to deliver; done; failed: will not be retried; skipped: not needed any more. */
  state: 'pending' | 'done' | 'failed' | 'skipped';
  /** Tries started (counted before each try, so a crash mid-try still counts). */
  attempts: number;
  nextAttemptAt: number;
  errorCode: string | null;
  error: string | null;
  createdAt: number;
  doneAt: number | null;
}

/** What the worker looks at to choose the next rows. */
export type OutboxHead = Omit<OutboxRecord, 'snapshot'>;

/**
 * Where an alert stands in one sink:
 * - pending: nothing delivered yet; open: the issue (or message) exists;
 * - resolved: closed by Vigil; closed_by_human: a person closed the issue, Vigil leaves it alone;
 * - failed: the open failed permanently (see the error).
 */
export type DeliveryState = 'pending' | 'open' | 'resolved' | 'closed_by_human' | 'failed';

export interface DeliveryRecord {
  alertId: string;
  sink: string;
  state: DeliveryState;
  /** Issue number (GitHub), when known. */
  refId: string | null;
  refUrl: string | null;
  errorCode: string | null;
  error: string | null;
  updatedAt: number;
}

/** Per alert and sink: what is still queued, for the API. */
export interface OutboxSummary {
  alertId: string;
  sink: string;
  pending: number;
  failed: number;
  /** Of the first pending row. */
  nextAttemptAt: number | null;
  attempts: number;
  lastErrorCode: string | null;
  lastError: string | null;
}

/** A monitor as alerts need it (inside a transaction, by lineage or id). */
export interface AlertMonitor {
  historyId: number;
  id: string;
  name: string;
  spec: MonitorSpec;
  secrets: Secrets;
}

/** A stored check with its response log, for the evidence of an incident. */
export interface CheckEvidence {
  check: CheckRecord;
  log: ResponseLog | null;
}

/** A TLS observation read from stored checks (certificate watch). */
export interface TlsObservation {
  checkId: number;
  historyId: number;
  monitorId: string;
  startedAt: number;
  daysLeft: number;
}

/** The certificate a check saw (read only for the few checks that change an alert). */
export interface CertificateOfCheck {
  validTo: string | null;
  subject: string | null;
  issuer: string | null;
}

export interface OutboxEntry {
  alertId: string;
  sink: string;
  op: Operation;
  snapshot: OperationSnapshot;
  at: number;
}

/** What the incident layer reads and writes inside one transaction. */
export interface AlertTx {
  alert(id: string): Promise<Alert | undefined>;
  /** The alert wrapping a verdict (or region) incident. */
  alertForIncident(incidentId: string): Promise<Alert | undefined>;
  /** The latest alert of this subject and kind that is not closed. */
  activeAlert(subject: string, kind: AlertKind): Promise<Alert | undefined>;
  /** Inserts or replaces the alert, and links its incident ids to it. */
  saveAlert(alert: Alert): Promise<void>;
  /**
   * Inserts the alert only when no alert has its id (save it afterwards for its links); false
   * when one has: another collector made it first (on PostgreSQL this waits for that collector's
   * transaction, so a deterministic id is made once across the cluster).
   */
  insertAlert(alert: Alert): Promise<boolean>;
  monitorByHistory(historyId: number): Promise<AlertMonitor | undefined>;
  monitorById(id: string): Promise<AlertMonitor | undefined>;
  /** Stored checks (with logs) by job id; unknown ids are left out. */
  evidence(jobIds: readonly string[]): Promise<Map<string, CheckEvidence>>;
  enqueue(entries: readonly OutboxEntry[]): Promise<void>;
  /**
   * Keeps the runtime `incidents` table (GET /v1/incidents) in step for alerts no verdict event
   * stores: certificate alerts.
   */
  recordIncident(alert: Alert, historyId: number | null): Promise<void>;
}

export interface AlertQuery {
  /** open: not closed; recent: not closed, or closed since `since`; all. */
  status: 'open' | 'recent' | 'all';
  since?: number;
  monitorId?: string;
  limit: number;
}

export interface AlertStore {
  /**
   * `work` inside a transaction someone else holds (the engine's flush), in a savepoint: a throw
   * undoes only `work`'s writes (and is rethrown), so the holder may still commit its own.
   */
  inTransaction<T>(tx: StoreTx, work: (tx: AlertTx) => Promise<T>): Promise<T>;
  /** One transaction of our own. */
  write<T>(work: (tx: AlertTx) => Promise<T>): Promise<T>;

  /** Every alert not closed. */
  active(): Promise<Alert[]>;
  /** The alerts wrapping these incidents, by incident id. */
  forIncidents(incidentIds: readonly string[]): Promise<Map<string, Alert>>;
  list(query: AlertQuery): Promise<Alert[]>;
  deliveries(alertIds: readonly string[]): Promise<DeliveryRecord[]>;
  outboxSummary(alertIds: readonly string[]): Promise<OutboxSummary[]>;
  /** Every outbox row of an alert, oldest first. */
  outbox(alertId: string): Promise<OutboxRecord[]>;
  /** Pending rows and failures: the outbox depth for metrics. */
  outboxDepth(): Promise<{ pending: number; failed: number }>;

  /**
   * The first pending row of each (alert, sink) lane, oldest lanes first, without its snapshot.
   * With `now`, a head under a live claim (`claimed_until > now`, anyone's) is left out.
   */
  heads(limit: number, now?: number): Promise<OutboxHead[]>;
  /**
   * Claims row `id` for `owner` until `until` (ms), so one delivery worker of the cluster delivers
   * it: only while the row is pending, no earlier row of its lane is pending (order per lane), and
   * its claim is free, expired (`claimed_until <= now`) or already `owner`'s. Returns the row when
   * claimed, undefined when someone else holds it or it is not the lane's head. On PostgreSQL the
   * row is locked with SKIP LOCKED: two claimers at once never wait for each other, one gets it.
   */
  claim(id: number, owner: string, now: number, until: number): Promise<OutboxRecord | undefined>;
  /**
   * Releases claims whose holder is known to be gone, so its rows need not wait for the claim to
   * expire: on SQLite (one collector per file) every claim not `owner`'s, left by an earlier
   * process; on PostgreSQL the claims of cluster members whose heartbeat is older than
   * MEMBER_LIVE_MS at `now`. Returns how many were released.
   */
  releaseDeadClaims(owner: string, now: number): Promise<number>;
  /** Extends `owner`'s claim on a pending row to `until`; false when the claim is not `owner`'s any more. */
  renewClaim(id: number, owner: string, until: number): Promise<boolean>;
  outboxRow(id: number): Promise<OutboxRecord | undefined>;
  /** Whether the lane has pending rows after `id`. */
  laneHasMore(row: Pick<OutboxRecord, 'id' | 'alertId' | 'sink'>): Promise<boolean>;
  delivery(alertId: string, sink: string): Promise<DeliveryRecord | undefined>;
  /** Counts a try as started (before it is made); returns the tries started before it. */
  startAttempt(id: number): Promise<number>;
  /**
   * Ends a row (done, failed or skipped) and updates the lane's delivery state, in one transaction.
   * Releases the row's claim (as `retryLater` does).
   */
  settle(
    id: number,
    outcome: { state: 'done' | 'failed' | 'skipped'; errorCode?: string; error?: string; at: number },
    delivery: Omit<DeliveryRecord, 'updatedAt'> | null,
  ): Promise<void>;
  retryLater(id: number, nextAttemptAt: number, errorCode: string, error: string): Promise<void>;

  /** Highest stored check row id (the certificate watch starts after it). */
  lastCheckId(): Promise<number>;
  /** Checks with TLS details in (afterId, upTo], oldest first. */
  tlsObservations(afterId: number, upTo: number): Promise<TlsObservation[]>;
  certificateOf(checkId: number): Promise<CertificateOfCheck | undefined>;
}
