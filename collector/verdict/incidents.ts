// Incidents as the verdict keeps them: opened (suppressed inside a maintenance window), extended
// by failing checks, resolved, and every change emitted as an event (ARCHITECTURE.md "Verdict").
import type { Ctx } from './context.ts';
import { inMaintenance } from './maintenance.ts';
import { toRoundVote } from './rounds.ts';
import type { Incident, IncidentCause, IncidentEventType, IncidentKind, RoundVote, Vote } from './types.ts';

export function newIncident(
  ctx: Ctx,
  kind: IncidentKind,
  start: number,
  rest: Pick<Incident, 'lastFailure' | 'failedChecks' | 'reason' | 'firstJobId'>,
): Incident {
  const windows = ctx.in.spec.maintenance;
  return {
    id: `${ctx.in.spec.id}:${kind}:${start}`,
    kind,
    start,
    ...rest,
    suppressed: inMaintenance(windows, start) || inMaintenance(windows, ctx.now),
    openedAt: ctx.now,
  };
}

/** A failing check during an open incident. */
export function extendIncident(ctx: Ctx, v: Vote | RoundVote): void {
  const inc = ctx.s.incident!;
  if (inc.suppressed && v.at > inc.start && !inMaintenance(ctx.in.spec.maintenance, v.at)) {
    // Still failing after the maintenance window: the quiet incident ends, an announced one begins.
    resolveIncident(ctx, 'maintenance_ended');
    const next = newIncident(ctx, inc.kind, v.at, {
      lastFailure: v.at,
      failedChecks: 1,
      reason: v.reason,
      firstJobId: v.jobId,
    });
    next.suppressed = false;
    ctx.s.incident = next;
    emit(ctx, 'opened', next, 'maintenance_ended', [toRoundVote(v)]);
    return;
  }
  inc.lastFailure = Math.max(inc.lastFailure, v.at);
  inc.failedChecks += 1;
}

export function resolveIncident(ctx: Ctx, cause: IncidentCause): void {
  const inc = ctx.s.incident;
  if (!inc) return;
  emit(ctx, 'resolved', inc, cause, []);
  ctx.s.incident = null;
}

export function emit(
  ctx: Ctx,
  type: IncidentEventType,
  inc: Incident,
  cause: IncidentCause,
  votes: RoundVote[],
): void {
  ctx.events.push({
    type,
    kind: inc.kind,
    monitorId: ctx.in.spec.id,
    incidentId: inc.id,
    cause,
    start: inc.start,
    end: type === 'resolved' ? inc.lastFailure : null,
    lastFailure: inc.lastFailure,
    failedChecks: inc.failedChecks,
    reason: inc.reason,
    firstJobId: inc.firstJobId,
    suppressed: inc.suppressed,
    at: ctx.now,
    votes: votes.map((v) => ({ ...v })),
    score: ctx.s.score,
  });
}
