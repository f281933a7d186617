// Votes into the open round and deciding it: the round's purpose picks the rule (verification.ts
// or recovery.ts). Down and recovery votes also keep the success streak and extend the incident.
// A down round is started by the scheduler; the verdict opens it on its first answer.
// A late vote (its round's deadline passed before it arrived: a runner cut off from the
// collector delivers what it buffered) counts for nothing: the round it answers was decided (or
// missed) without it, and taking it now would change a state or confirm a failure on old news.
import { type RoundRef, roundDeadline } from '../domain/rounds.ts';
import type { Ctx } from './context.ts';
import { extendIncident } from './incidents.ts';
import { decideDownRound, decideRecovery } from './recovery.ts';
import { toRoundVote } from './rounds.ts';
import type { OpenRound, Vote } from './types.ts';
import { decideVerification } from './verification.ts';

/** Arrived after its round's deadline: stored by the engine as `late`, never a vote. */
export function isLate(ctx: Ctx, v: Vote): boolean {
  return v.deadline !== undefined && ctx.now > v.deadline;
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
