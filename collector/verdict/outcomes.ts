// What a decided round does: verification confirms down or marks the failures unconfirmed; down
// rounds and recovery checks lead back to up; incidents open, extend and resolve, and every
// state change is recorded (ARCHITECTURE.md "Verdict").
import { noRunnerMessage, pickMany, pickOne, votingRegions } from '../domain/regions.ts';
import { DOWN_PERIOD_MAX } from '../domain/rounds.ts';
import { closeRound, decide, newRound, send, tally, toRoundVote } from './checks.ts';
import type { Ctx } from './context.ts';
import { RECHECK_DELAY } from './machine.ts';
import { inMaintenance } from './maintenance.ts';
import { failingMajority, succeedingMajority } from './quorum.ts';
import type {
  Incident,
  IncidentCause,
  IncidentEventType,
  IncidentKind,
  Mark,
  OpenRound,
  RoundVote,
  StateName,
  Vote,
} from './types.ts';

// ---------------------------------------------------------------- verification

export function startVerification(ctx: Ctx, v: Vote, from: 'up' | 'flapping' = 'up'): void {
  const { spec, regions, rng } = ctx.in;
  go(ctx, 'verifying');
  const round = newRound(ctx, 'verify');
  round.from = from;
  round.votes.push(toRoundVote(v));
  round.answered.push(v.jobId);
  ctx.s.round = round;
  const k = spec.confirm.regions;
  if (k > 0) {
    const others = votingRegions(spec.regions, regions).filter((r) => r !== v.region);
    if (others.length > 0) send(ctx, round, pickMany(others, k, rng), ctx.now);
    else {
      round.rechecks = k;
      round.recheckRegion = v.region;
      sendRecheck(ctx, round);
    }
  }
  decide(ctx);
}

function sendRecheck(ctx: Ctx, round: OpenRound): void {
  round.rechecks -= 1;
  send(ctx, round, [round.recheckRegion!], ctx.now + RECHECK_DELAY);
}

export function decideVerification(ctx: Ctx, r: OpenRound): void {
  const { fails, oks } = tally(r.votes);
  const pending = r.pending + r.rechecks;
  if (r.votes.length === 1 && pending === 0 && ctx.in.spec.confirm.regions > 0) {
    endVerification(ctx, r, 'inconclusive');
    return;
  }
  const outcome = failingMajority(fails, oks, pending);
  if (outcome === 'yes') confirmDown(ctx, r);
  else if (outcome === 'no') endVerification(ctx, r, 'unconfirmed');
  else if (r.pending === 0 && r.rechecks > 0) sendRecheck(ctx, r);
}

function endVerification(ctx: Ctx, r: OpenRound, mark: Mark): void {
  for (const v of r.votes) if (!v.ok) ctx.marks.push({ jobId: v.jobId, mark });
  ctx.s.lastVerify = { roundId: r.id, mark };
  closeRound(ctx);
  go(ctx, r.from === 'flapping' && ctx.s.incident ? 'flapping' : 'up');
}

function confirmDown(ctx: Ctx, r: OpenRound): void {
  const trigger = r.votes[0]!;
  // Confirmed while flapping: the flapping incident ends, the outage is a down incident.
  const escalated = ctx.s.incident?.kind === 'flapping';
  if (escalated) resolveIncident(ctx, 'escalated');
  const failing = r.votes.filter((v) => !v.ok);
  const inc = newIncident(ctx, 'down', trigger.at, {
    lastFailure: Math.max(...failing.map((v) => v.at)),
    failedChecks: failing.length,
    reason: trigger.reason,
    firstJobId: trigger.jobId,
  });
  ctx.s.incident = inc;
  closeRound(ctx);
  ctx.s.streak = [];
  ctx.s.lastVerify = null;
  go(ctx, 'down');
  emit(ctx, 'opened', inc, escalated ? 'escalated' : 'confirmed', r.votes);
}

// ---------------------------------------------------------------- down and recovering

export function decideDownRound(ctx: Ctx, r: OpenRound): void {
  const { fails, oks } = tally(r.votes);
  const outcome = succeedingMajority(oks, fails, r.pending);
  if (outcome === 'open') return;
  closeRound(ctx);
  if (outcome === 'yes') {
    go(ctx, 'recovering');
    continueRecovery(ctx, 0);
  } else if (fails > 0 && ctx.s.incident) {
    emit(ctx, 'ongoing', ctx.s.incident, 'failing', r.votes);
  }
}

export function decideRecovery(ctx: Ctx, r: OpenRound): void {
  const last = r.votes[r.votes.length - 1];
  if (last && !last.ok) {
    closeRound(ctx);
    go(ctx, 'down');
    if (ctx.s.incident) emit(ctx, 'ongoing', ctx.s.incident, 'recovery_failed', r.votes);
    return;
  }
  if (recoverySatisfied(ctx)) {
    recover(ctx);
    return;
  }
  if (r.pending === 0) {
    closeRound(ctx);
    // Nothing came back (or not enough): ask again, a little later if this round got no vote.
    continueRecovery(ctx, r.votes.length === 0 ? RECHECK_DELAY : 0);
  }
}

function recoverySatisfied(ctx: Ctx): boolean {
  const { spec, regions } = ctx.in;
  const n = spec.recover.checks;
  const available = Math.max(1, votingRegions(spec.regions, regions).length);
  const distinct = new Set(ctx.s.streak.map((v) => v.region)).size;
  return ctx.s.streak.length >= n && distinct >= Math.min(n, available);
}

function continueRecovery(ctx: Ctx, delay: number): void {
  if (recoverySatisfied(ctx)) {
    recover(ctx);
    return;
  }
  const { spec, regions, rng } = ctx.in;
  const n = spec.recover.checks;
  const voting = votingRegions(spec.regions, regions);
  const seen = new Set(ctx.s.streak.map((v) => v.region));
  const needDistinct = Math.min(n, Math.max(1, voting.length)) - seen.size;
  const fresh = voting.filter((r) => !seen.has(r));
  const round = newRound(ctx, 'recovery');
  ctx.s.round = round;
  if (needDistinct > 0 && fresh.length > 0) {
    send(ctx, round, pickMany(fresh, needDistinct, rng), ctx.now + delay);
  } else if (voting.length > 0) {
    const previous = ctx.s.streak[ctx.s.streak.length - 1]?.region ?? null;
    send(ctx, round, [pickOne(voting, previous, rng)!], ctx.now + Math.max(delay, RECHECK_DELAY));
  } else {
    // No live region: wait a down period, then try again (the tick at the deadline does).
    ctx.s.note = noRunnerMessage(spec.regions);
    round.deadline = ctx.now + Math.min(spec.interval, DOWN_PERIOD_MAX);
  }
}

function recover(ctx: Ctx): void {
  if (ctx.s.incident) resolveIncident(ctx, 'recovered');
  closeRound(ctx);
  ctx.s.streak = [];
  go(ctx, 'up');
}

// ---------------------------------------------------------------- incidents

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

export function go(ctx: Ctx, to: StateName): void {
  const s = ctx.s;
  if (s.state === to) return;
  ctx.transitions.push({ from: s.state, to });
  s.state = to;
  s.since = ctx.now;
}
