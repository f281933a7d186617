// Scheduled checks and the flapping window, and the rounds the verdict opens and decides: how
// votes are grouped, when a round is closed, how its outcome is tallied (ARCHITECTURE.md "Verdict").
import { roundDeadline } from '../domain/rounds.ts';
import type { Ctx } from './context.ts';
import { flappingScore, pushWindow } from './flapping.ts';
import {
  decideDownRound,
  decideRecovery,
  decideVerification,
  emit,
  extendIncident,
  go,
  newIncident,
  resolveIncident,
  startVerification,
} from './outcomes.ts';
import type {
  IncidentCause,
  IncidentKind,
  MonitorState,
  OpenRound,
  RoundPurpose,
  RoundRef,
  RoundVote,
  Vote,
} from './types.ts';

// ---------------------------------------------------------------- scheduled checks, flapping

export function onScheduled(ctx: Ctx, v: Vote): void {
  const { spec } = ctx.in;
  const s = ctx.s;
  const fl = spec.flapping;
  if (fl !== false) {
    s.window = pushWindow(s.window, { ok: v.ok, at: v.at, reason: v.reason, jobId: v.jobId }, fl.window);
    s.score = flappingScore(
      s.window.map((e) => e.ok),
      fl.window,
    );
  }
  const score = s.score;

  if (s.state === 'flapping') {
    if (fl !== false && score !== null && score > fl.high && !v.ok) {
      // Above high: this failure may be the start of a real outage. Down needs the quorum, as
      // always; unconfirmed, the monitor goes back to flapping.
      if (s.incident) extendIncident(ctx, v);
      startVerification(ctx, v, 'flapping');
      return;
    }
    if (fl === false || score === null || score < fl.low) {
      if (v.ok) {
        resolveIncident(ctx, 'recovered');
        go(ctx, 'up');
      } else {
        resolveIncident(ctx, 'settled');
        startVerification(ctx, v);
      }
      return;
    }
    if (!v.ok && s.incident) {
      extendIncident(ctx, v);
      emit(ctx, 'ongoing', s.incident, 'failing', []);
    }
    return;
  }

  // pending or up
  if (fl !== false && score !== null && score > 0 && score >= fl.low && score <= fl.high) {
    enterFlapping(ctx);
    return;
  }
  if (v.ok) {
    if (s.state === 'pending') go(ctx, 'up');
    return;
  }
  startVerification(ctx, v);
}

function windowFailures(s: MonitorState) {
  return s.window.filter((e) => !e.ok);
}

function enterFlapping(ctx: Ctx): void {
  const fails = windowFailures(ctx.s);
  go(ctx, 'flapping');
  openFromWindow(ctx, 'flapping', fails, 'flapping');
}

function openFromWindow(
  ctx: Ctx,
  kind: IncidentKind,
  fails: ReturnType<typeof windowFailures>,
  cause: IncidentCause,
): void {
  const first = fails[0];
  const last = fails[fails.length - 1];
  const start = first ? first.at : ctx.now;
  const inc = newIncident(ctx, kind, start, {
    lastFailure: last ? last.at : start,
    failedChecks: fails.length,
    reason: first ? first.reason : null,
    firstJobId: first ? first.jobId : null,
  });
  ctx.s.incident = inc;
  emit(ctx, 'opened', inc, cause, []);
}

// ---------------------------------------------------------------- rounds

function nextRoundId(ctx: Ctx, purpose: RoundPurpose): string {
  ctx.s.seq += 1;
  return `${ctx.in.spec.id}#${ctx.s.seq}:${purpose}`;
}

export function newRound(ctx: Ctx, purpose: RoundPurpose): OpenRound {
  return {
    id: nextRoundId(ctx, purpose),
    purpose,
    openedAt: ctx.now,
    deadline: ctx.now,
    pending: 0,
    votes: [],
    answered: [],
    rechecks: 0,
    recheckRegion: null,
    from: null,
  };
}

export function send(ctx: Ctx, round: OpenRound, regions: string[], at: number): void {
  const deadline = roundDeadline(at, ctx.in.spec.timeout);
  round.pending += regions.length;
  round.deadline = Math.max(round.deadline, deadline);
  const ref: RoundRef = { id: round.id, purpose: round.purpose, size: regions.length };
  ctx.dispatch.push({ monitorId: ctx.in.spec.id, round: ref, regions, at, deadline });
}

/** A down round the scheduler started: the verdict learns of it from its first answer. */
export function openPeriodicRound(ctx: Ctx, ref: RoundRef): void {
  const s = ctx.s;
  if (s.round) {
    // The previous round never finished: what it has is all it gets.
    s.round.pending = 0;
    decide(ctx);
    if (s.state !== 'down') return;
  }
  s.round = {
    id: ref.id,
    purpose: 'down-round',
    openedAt: ctx.now,
    deadline: roundDeadline(ctx.now, ctx.in.spec.timeout),
    pending: ref.size,
    votes: [],
    answered: [],
    rechecks: 0,
    recheckRegion: null,
    from: null,
  };
}

const CLOSED_KEPT = 8;

export function closeRound(ctx: Ctx): void {
  const r = ctx.s.round;
  if (!r) return;
  ctx.s.closedRounds = [...ctx.s.closedRounds, r.id].slice(-CLOSED_KEPT);
  ctx.s.round = null;
}

export function isClosed(ctx: Ctx, ref: RoundRef): boolean {
  return ctx.s.closedRounds.includes(ref.id);
}

export function toRoundVote(v: Vote | RoundVote): RoundVote {
  return { jobId: v.jobId, region: v.region, runner: v.runner, ok: v.ok, reason: v.reason, at: v.at };
}

export function addVote(ctx: Ctx, round: OpenRound, v: Vote): void {
  round.answered.push(v.jobId);
  round.pending = Math.max(0, round.pending - 1);
  round.votes.push(toRoundVote(v));
  if (round.purpose === 'verify') return;
  // Down and recovery votes: the streak of successes, and the incident's last failure.
  if (v.ok) ctx.s.streak.push(toRoundVote(v));
  else {
    ctx.s.streak = [];
    if (ctx.s.incident) extendIncident(ctx, v);
  }
}

export function decide(ctx: Ctx): void {
  const r = ctx.s.round;
  if (!r) return;
  if (r.purpose === 'verify') decideVerification(ctx, r);
  else if (r.purpose === 'down-round') decideDownRound(ctx, r);
  else decideRecovery(ctx, r);
}

export function tally(votes: readonly RoundVote[]): { fails: number; oks: number } {
  let fails = 0;
  for (const v of votes) if (!v.ok) fails++;
  return { fails, oks: votes.length - fails };
}
