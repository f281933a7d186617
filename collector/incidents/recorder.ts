// The write side of incidents: turns incident events, timing and certificate observations into
// alert changes and outbox rows, each in the transaction of the change itself.
//
//   record(events, tx)   the engine's flush hook: runs inside the flush transaction that stores the
//                        events, so an incident and the outbox rows it queues commit together
//   tick()               every second: operations that became due with time (alert.after,
//                        reminders, recovery_after), and the certificate watch over new checks
//
// Snapshots queued in the outbox are redacted with the monitor's secret values here, so the
// outbox never holds one (messages are redacted once more when delivered).

import type { Logger } from '../../common/log.ts';
import { redactDeep } from '../../schema/secrets.ts';
import type { MonitorSpec } from '../../schema/types.ts';
import type { Alert, FirstFailure, MonitorInfo, Operation, VoteDetail } from '../domain/alerts.ts';
import type { OperationSnapshot } from '../domain/operation-snapshot.ts';
import type { AlertMonitor, AlertStore, AlertTx, CheckEvidence, OutboxEntry } from '../store/alert-types.ts';
import type { StoredIncidentEvent, StoreTx } from '../store/runtime-types.ts';
import type { MonitorStore } from '../store/types.ts';
import { inMaintenance } from '../verdict/maintenance.ts';
import type { IncidentEvent, RoundVote } from '../verdict/types.ts';
import {
  applyDue,
  applyIncidentEvent,
  applyRegionEvent,
  certificateChange,
  certificateExpiring,
  continueAlert,
  type Evidence,
  fromIncidentEvent,
  fromRegionEvent,
} from './alerts.ts';
import { sinksFor } from './registry.ts';
import type { SinkName } from './sink.ts';
import { dueOperations, IMMEDIATE_END_CAUSES, policyFor, type TimingDecision } from './timing.ts';

export interface RecorderOptions {
  alerts: AlertStore;
  monitors: MonitorStore;
  /** Names of the configured sinks. */
  sinks: readonly SinkName[];
  clock: () => number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Called after a transaction of ours queued outbox rows (wake the worker). */
  onQueued?: () => void;
}

/** What is due for `alert` at `now` under its monitor's current settings. */
function decide(alert: Alert, spec: MonitorSpec | undefined, now: number): TimingDecision {
  // Paused or inside a maintenance window: nothing is announced or reminded.
  const quiet = spec !== undefined && (spec.paused || inMaintenance(spec.maintenance, now));
  return dueOperations(alert, policyFor(alert.kind, spec?.alert ?? null), now, { quiet });
}

export function monitorInfo(monitor: Pick<AlertMonitor, 'id' | 'name' | 'spec'>): MonitorInfo {
  const { spec } = monitor;
  return {
    id: monitor.id,
    name: monitor.name,
    method: spec.method,
    url: spec.url,
    alert: { labels: spec.alert.labels, assignees: spec.alert.assignees, mentions: spec.alert.mentions },
  };
}

function voteDetail(evidence: CheckEvidence): VoteDetail {
  const { check } = evidence;
  return {
    region: check.region,
    jobId: check.id,
    ok: check.ok,
    reason: check.reason,
    message: check.message,
    status: check.status,
    ip: check.remoteIp,
    timings: check.timings,
    at: check.startedAt,
  };
}

function firstFailureOf(evidence: CheckEvidence): FirstFailure {
  return {
    region: evidence.check.region,
    jobId: evidence.check.id,
    at: evidence.check.startedAt,
    message: evidence.check.message,
    log: evidence.log,
  };
}

export class AlertRecorder {
  readonly #o: RecorderOptions;
  /** Certificate watch position: the last check row looked at. */
  #checkCursor: number | null = null;

  constructor(options: RecorderOptions) {
    this.#o = options;
  }

  /** Starts the certificate watch after the checks already stored. */
  async start(): Promise<void> {
    this.#checkCursor = await this.#o.alerts.lastCheckId();
  }

  // ---------------------------------------------------------------- events (inside the flush)

  record(events: readonly StoredIncidentEvent[], txHandle: StoreTx): Promise<void> {
    return this.#o.alerts.inTransaction(txHandle, (tx) => this.#record(tx, events));
  }

  async #record(tx: AlertTx, events: readonly StoredIncidentEvent[]): Promise<void> {
    const now = this.#o.clock();
    const touched = new Map<string, AlertMonitor | undefined>();
    for (const stored of [...events].sort((a, b) => a.seq - b.seq)) {
      if (stored.source === 'region') {
        const e = stored.event;
        const existing = await tx.alertForIncident(e.incidentId);
        const alert = existing ? applyRegionEvent(existing, e, now) : fromRegionEvent(e, now);
        await tx.saveAlert(alert);
        touched.set(alert.id, undefined);
        continue;
      }
      const monitor = await tx.monitorByHistory(stored.historyId);
      const alert = await this.#onMonitorEvent(tx, stored.event, monitor, now);
      if (alert !== null) touched.set(alert.id, monitor);
    }
    for (const [id, monitor] of touched) {
      const alert = await tx.alert(id);
      if (alert !== undefined) await this.#settle(tx, alert, monitor, now);
    }
  }

  async #onMonitorEvent(
    tx: AlertTx,
    event: IncidentEvent,
    monitor: AlertMonitor | undefined,
    now: number,
  ): Promise<Alert | null> {
    const info = monitor === undefined ? null : monitorInfo(monitor);
    const known = await tx.alertForIncident(event.incidentId);
    if (known !== undefined) {
      const evidence = await this.#evidence(
        tx,
        event.votes,
        known.firstFailure === null ? event.firstJobId : null,
      );
      const next = applyIncidentEvent(known, event, evidence, info, now);
      await tx.saveAlert(next);
      return next;
    }
    if (event.type !== 'opened') {
      // An incident opened before incident delivery existed (or its alert was lost).
      this.#o.log.warn(
        { incident: event.incidentId, type: event.type },
        'incident event for an unknown alert',
      );
    }
    const evidence = await this.#evidence(tx, event.votes, event.firstJobId);
    if (event.type === 'resolved') {
      // Its whole life went unseen: record it, never announce an outage that is already over.
      const recorded = fromIncidentEvent({ event, evidence, monitor: info, now });
      await tx.saveAlert({ ...recorded, status: 'closed', closedAt: now, outcome: 'recorded' });
      return null;
    }
    if (event.kind === 'down') {
      const waiting = await this.#waitingForRecovery(tx, event.monitorId, monitor, now);
      if (waiting !== null) {
        const next = continueAlert(waiting, { event, evidence, monitor: info, now });
        await tx.saveAlert(next);
        this.#o.log.info(
          { alert: next.id, incident: event.incidentId, monitor: event.monitorId },
          'failed again during recovery_after: the incident goes on',
        );
        return next;
      }
    }
    const alert = fromIncidentEvent({ event, evidence, monitor: info, now });
    await tx.saveAlert(alert);
    return alert;
  }

  /** The monitor's down alert still inside its `recovery_after` wait, if any. */
  async #waitingForRecovery(
    tx: AlertTx,
    monitorId: string,
    monitor: AlertMonitor | undefined,
    now: number,
  ): Promise<Alert | null> {
    const active = await tx.activeAlert(monitorId, 'down');
    if (active === undefined || active.status !== 'recovering') return null;
    if (active.endCause !== null && IMMEDIATE_END_CAUSES.has(active.endCause)) {
      await this.#settle(tx, active, monitor, now);
      return null;
    }
    // A wait that is over closes first; the new failure is then a new incident.
    const closed = await this.#settle(tx, active, monitor, now);
    return closed.status === 'recovering' ? closed : null;
  }

  async #evidence(tx: AlertTx, votes: readonly RoundVote[], firstJobId: string | null): Promise<Evidence> {
    const ids = votes.map((v) => v.jobId);
    if (firstJobId !== null) ids.push(firstJobId);
    if (ids.length === 0) return { votes: [], firstFailure: null };
    const found = await tx.evidence(ids);
    const first = firstJobId === null ? undefined : found.get(firstJobId);
    return {
      votes: votes.flatMap((v) => {
        const e = found.get(v.jobId);
        return e === undefined ? [] : [voteDetail(e)];
      }),
      firstFailure: first === undefined ? null : firstFailureOf(first),
    };
  }

  // ---------------------------------------------------------------- timing

  /** Queues what is due for `alert` now and saves it. Returns the alert as saved. */
  async #settle(tx: AlertTx, alert: Alert, monitor: AlertMonitor | undefined, now: number): Promise<Alert> {
    const spec = monitor?.spec;
    const decision = decide(alert, spec, now);
    if (decision.ops.length === 0) {
      await tx.saveAlert(alert);
      return alert;
    }
    let next = alert;
    if (decision.ops.includes('open')) {
      const sinks = sinksFor(this.#o.sinks, spec?.alert.sinks ?? null);
      next = { ...next, sinks };
      this.#o.log.info({ alert: alert.id, kind: alert.kind, sinks }, 'incident announced');
    }
    next = applyDue(next, decision, now);
    if (decision.ops.includes('finish')) {
      this.#o.log.info(
        { alert: alert.id, kind: alert.kind },
        'incident ended before it was announced: recorded only',
      );
    }
    const secrets = monitor?.secrets ?? {};
    const entries: OutboxEntry[] = [];
    for (const op of decision.ops) {
      if (op === 'finish') continue;
      const snapshot: OperationSnapshot = redactDeep({ op: op as Operation, alert: next, at: now }, secrets);
      for (const sink of next.sinks) entries.push({ alertId: next.id, sink, op, snapshot, at: now });
    }
    await tx.saveAlert(next);
    await tx.enqueue(entries);
    return next;
  }

  /** Queues everything that became due with time; returns how many alerts changed. */
  async tick(now = this.#o.clock()): Promise<number> {
    const active = await this.#o.alerts.active();
    const due: Alert[] = [];
    for (const alert of active) {
      const spec = alert.monitorId === null ? undefined : (await this.#o.monitors.get(alert.monitorId))?.spec;
      if (decide(alert, spec, now).ops.length > 0) due.push(alert);
    }
    const { changes: certificates, upTo } = await this.#certificateChanges(active, now);
    if (due.length === 0 && certificates.length === 0) {
      this.#checkCursor = upTo;
      return 0;
    }
    await this.#o.alerts.write(async (tx) => {
      for (const { id, monitorId } of due) {
        // Read again inside the transaction: the engine's flush may have changed it since.
        const alert = await tx.alert(id);
        if (alert === undefined) continue;
        const monitor = monitorId === null ? undefined : await tx.monitorById(monitorId);
        await this.#settle(tx, alert, monitor, now);
      }
      for (const change of certificates) {
        // Every collector's watch sees every stored check: another may have made this change
        // since. An open inserts its alert first (its id is the certificate's), a renewal reads
        // the alert again under its lock; a change already made is left.
        if (change.type === 'open' && !(await tx.insertAlert(change.alert))) continue;
        if (change.type === 'renewed' && (await tx.alert(change.alert.id))?.status !== 'open') continue;
        const monitor = await tx.monitorById(change.monitorId);
        const saved = await this.#settle(tx, change.alert, monitor, now);
        await tx.recordIncident(saved, monitor?.historyId ?? null);
      }
    });
    // Only now: a failed write looks at the same checks again next time.
    this.#checkCursor = upTo;
    this.#o.onQueued?.();
    return due.length + certificates.length;
  }

  // ---------------------------------------------------------------- certificate watch

  /** Certificate alerts to open or resolve from the checks stored since the last look (up to `upTo`). */
  async #certificateChanges(
    active: readonly Alert[],
    now: number,
  ): Promise<{
    changes: Array<{ type: 'open' | 'renewed'; monitorId: string; alert: Alert }>;
    upTo: number | null;
  }> {
    const cursor = this.#checkCursor;
    if (cursor === null) return { changes: [], upTo: null };
    const upTo = await this.#o.alerts.lastCheckId();
    if (upTo <= cursor) return { changes: [], upTo: cursor };
    const observations = await this.#o.alerts.tlsObservations(cursor, upTo);
    // The latest observation per monitor decides.
    const latest = new Map(observations.map((o) => [o.monitorId, o]));
    const open = new Map(active.filter((a) => a.kind === 'certificate').map((a) => [a.subject, a]));
    const changes: Array<{ type: 'open' | 'renewed'; monitorId: string; alert: Alert }> = [];
    for (const o of latest.values()) {
      const record = await this.#o.monitors.get(o.monitorId);
      if (record === undefined) continue;
      const warningDays = record.spec.tls.expiry_warning_days;
      const current = open.get(o.monitorId) ?? null;
      const expiring = certificateExpiring(o.daysLeft, warningDays);
      if ((current === null) !== expiring) continue;
      const cert = (await this.#o.alerts.certificateOf(o.checkId)) ?? {
        validTo: null,
        subject: null,
        issuer: null,
      };
      const change = certificateChange(
        current,
        { monitorId: o.monitorId, at: o.startedAt, daysLeft: o.daysLeft, warningDays, ...cert },
        monitorInfo(record),
        now,
      );
      if (change.type !== 'none') {
        this.#o.log.info(
          { monitor: o.monitorId, daysLeft: o.daysLeft, change: change.type },
          change.type === 'open' ? 'TLS certificate expiring' : 'renewed TLS certificate seen',
        );
        changes.push({ type: change.type, monitorId: o.monitorId, alert: change.alert });
      }
    }
    return { changes, upTo };
  }
}
