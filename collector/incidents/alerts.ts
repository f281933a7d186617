// Alerts from their sources, pure: a verdict incident event, a region event or a certificate
// observation changes an alert (or makes one); timing.ts then says what is due.
//
//   fromIncidentEvent(event, evidence, monitor, now)     a new alert for an `opened` event
//   continueAlert(alert, event, evidence, monitor, now)  a new verdict incident folded into an
//                                                         alert waiting out `recovery_after`
//   applyIncidentEvent(alert, event, evidence, monitor, now)  ongoing / resolved
//   fromRegionEvent(event, now), applyRegionEvent(alert, event, now)
//   certificateChange(open, observation)                 open / renew / nothing
//   applyDue(alert, decision, now)                        what queuing the due operations records

import type { Alert, CertificateDetail, FirstFailure, MonitorInfo, VoteDetail } from '../domain/alerts.ts';
import type { RegionEvent } from '../verdict/impairment.ts';
import type { IncidentEvent } from '../verdict/types.ts';
import type { TimingDecision } from './timing.ts';

/** What the store found about the checks an event names. */
export interface Evidence {
  /** Details of the event's votes (those still stored), in the event's order. */
  votes: VoteDetail[];
  /** The first failing check with its log, when the event names one and it is stored. */
  firstFailure: FirstFailure | null;
}

/** Latest vote per region, sorted by region: newer votes replace older ones of their region. */
export function mergeVotes(current: readonly VoteDetail[], incoming: readonly VoteDetail[]): VoteDetail[] {
  const byRegion = new Map(current.map((v) => [v.region, v]));
  for (const vote of incoming) {
    const seen = byRegion.get(vote.region);
    if (seen === undefined || seen.at <= vote.at) byRegion.set(vote.region, vote);
  }
  return [...byRegion.values()].sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
}

function base(
  now: number,
): Pick<
  Alert,
  | 'resolvedAt'
  | 'endCause'
  | 'announcedAt'
  | 'lastReminderAt'
  | 'closedAt'
  | 'outcome'
  | 'end'
  | 'score'
  | 'certificate'
  | 'region'
  | 'sinks'
  | 'createdAt'
  | 'updatedAt'
> {
  return {
    sinks: [],
    end: null,
    resolvedAt: null,
    endCause: null,
    announcedAt: null,
    lastReminderAt: null,
    closedAt: null,
    outcome: null,
    score: null,
    certificate: null,
    region: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** An incident event as the alert functions take it: with its evidence, its monitor and `now`. */
export interface EventInput {
  event: IncidentEvent;
  evidence: Evidence;
  monitor: MonitorInfo | null;
  now: number;
}

export function fromIncidentEvent({ event, evidence, monitor, now }: EventInput): Alert {
  return {
    ...base(now),
    id: event.incidentId,
    kind: event.kind,
    monitorId: event.monitorId,
    subject: event.monitorId,
    monitor,
    status: event.type === 'resolved' ? 'recovering' : 'open',
    start: event.start,
    lastFailure: event.lastFailure,
    end: event.type === 'resolved' ? event.end : null,
    resolvedAt: event.type === 'resolved' ? event.at : null,
    endCause: event.type === 'resolved' ? event.cause : null,
    failedChecks: event.failedChecks,
    priorFailedChecks: 0,
    reason: event.reason,
    suppressed: event.suppressed,
    votes: mergeVotes([], evidence.votes),
    firstFailure: evidence.firstFailure,
    score: event.score,
    incidentIds: [event.incidentId],
  };
}

/**
 * A monitor that failed again while its last alert waited out `recovery_after`: the same alert
 * (and issue) goes on. Failed checks add up; the start stays the first one.
 */
export function continueAlert(alert: Alert, { event, evidence, monitor, now }: EventInput): Alert {
  return {
    ...alert,
    monitor: monitor ?? alert.monitor,
    status: 'open',
    lastFailure: Math.max(alert.lastFailure, event.lastFailure),
    end: null,
    resolvedAt: null,
    endCause: null,
    failedChecks: alert.failedChecks + event.failedChecks,
    priorFailedChecks: alert.failedChecks,
    reason: event.reason ?? alert.reason,
    suppressed: alert.suppressed && event.suppressed,
    votes: mergeVotes(alert.votes, evidence.votes),
    firstFailure: alert.firstFailure ?? evidence.firstFailure,
    score: event.score ?? alert.score,
    incidentIds: alert.incidentIds.includes(event.incidentId)
      ? alert.incidentIds
      : [...alert.incidentIds, event.incidentId],
    updatedAt: now,
  };
}

export function applyIncidentEvent(
  alert: Alert,
  event: IncidentEvent,
  evidence: Evidence,
  monitor: MonitorInfo | null,
  now: number,
): Alert {
  // The verdict counts failed checks per incident; the alert adds those of incidents it continued.
  const current = alert.incidentIds[alert.incidentIds.length - 1] === event.incidentId;
  const next: Alert = {
    ...alert,
    monitor: monitor ?? alert.monitor,
    lastFailure: Math.max(alert.lastFailure, event.lastFailure),
    failedChecks: current ? alert.priorFailedChecks + event.failedChecks : alert.failedChecks,
    reason: event.reason ?? alert.reason,
    votes: mergeVotes(alert.votes, evidence.votes),
    firstFailure: alert.firstFailure ?? evidence.firstFailure,
    score: event.score ?? alert.score,
    updatedAt: now,
  };
  if (event.type === 'resolved' && alert.status === 'open') {
    next.status = 'recovering';
    next.end = event.end ?? event.lastFailure;
    next.resolvedAt = event.at;
    next.endCause = event.cause;
  }
  return next;
}

export function fromRegionEvent(event: RegionEvent, now: number): Alert {
  return {
    ...base(now),
    id: event.incidentId,
    kind: 'region',
    monitorId: null,
    subject: event.region,
    monitor: null,
    status: event.type === 'resolved' ? 'recovering' : 'open',
    start: event.start,
    lastFailure: event.end ?? event.start,
    end: event.type === 'resolved' ? event.end : null,
    resolvedAt: event.type === 'resolved' ? event.at : null,
    endCause: event.type === 'resolved' ? 'restored' : null,
    failedChecks: event.failing,
    priorFailedChecks: 0,
    reason: null,
    suppressed: false,
    votes: [],
    firstFailure: null,
    region: {
      candidates: event.candidates,
      failing: event.failing,
      ratio: event.ratio,
      monitors: event.monitors,
    },
    incidentIds: [event.incidentId],
  };
}

export function applyRegionEvent(alert: Alert, event: RegionEvent, now: number): Alert {
  if (event.type !== 'resolved' || alert.status !== 'open') return alert;
  return {
    ...alert,
    status: 'recovering',
    end: event.end ?? alert.lastFailure,
    lastFailure: Math.max(alert.lastFailure, event.end ?? alert.lastFailure),
    resolvedAt: event.at,
    endCause: 'restored',
    updatedAt: now,
  };
}

/** One TLS observation of a monitor (a check that completed a handshake). */
export interface CertificateObservation {
  monitorId: string;
  at: number;
  daysLeft: number;
  validTo: string | null;
  subject: string | null;
  issuer: string | null;
  warningDays: number;
}

export type CertificateChange =
  | { type: 'open'; alert: Alert }
  | { type: 'renewed'; alert: Alert }
  | { type: 'none' };

/**
 * `tls.expiry_warning_days` as the language documents it: warn when the certificate expires in
 * fewer days than this; 0 = never warn.
 */
export function certificateExpiring(daysLeft: number, warningDays: number): boolean {
  return warningDays > 0 && daysLeft < warningDays;
}

/**
 * Opens a certificate alert when the certificate is expiring (see `certificateExpiring`);
 * resolves the open one when a certificate that is not is seen (renewed).
 */
export function certificateChange(
  open: Alert | null,
  observation: CertificateObservation,
  monitor: MonitorInfo | null,
  now: number,
): CertificateChange {
  const detail: CertificateDetail = {
    daysLeft: observation.daysLeft,
    validTo: observation.validTo,
    subject: observation.subject,
    issuer: observation.issuer,
    warningDays: observation.warningDays,
  };
  const expiring = certificateExpiring(observation.daysLeft, observation.warningDays);
  if (open === null) {
    if (!expiring) return { type: 'none' };
    const id = `${observation.monitorId}:certificate:${observation.validTo ?? observation.at}`;
    return {
      type: 'open',
      alert: {
        ...base(now),
        id,
        kind: 'certificate',
        monitorId: observation.monitorId,
        subject: observation.monitorId,
        monitor,
        status: 'open',
        start: observation.at,
        lastFailure: observation.at,
        failedChecks: 0,
        priorFailedChecks: 0,
        reason: null,
        suppressed: false,
        votes: [],
        firstFailure: null,
        certificate: detail,
        incidentIds: [id],
      },
    };
  }
  if (expiring || open.status !== 'open') return { type: 'none' };
  return {
    type: 'renewed',
    alert: {
      ...open,
      monitor: monitor ?? open.monitor,
      status: 'recovering',
      end: observation.at,
      resolvedAt: observation.at,
      endCause: 'renewed',
      certificate: detail,
      updatedAt: now,
    },
  };
}

/** The alert after its due operations were queued (or, for `finish`, recorded as never shown). */
export function applyDue(alert: Alert, decision: TimingDecision, now: number): Alert {
  const next: Alert = { ...alert, updatedAt: now };
  for (const op of decision.ops) {
    if (op === 'open') next.announcedAt = now;
    else if (op === 'remind') next.lastReminderAt = decision.reminderAt ?? now;
    else {
      next.status = 'closed';
      next.closedAt = now;
      // `alert.sinks: []`: the incident is only recorded, even though its timing ran its course.
      next.outcome = op === 'resolve' && next.sinks.length > 0 ? 'announced' : 'recorded';
    }
  }
  return next;
}
