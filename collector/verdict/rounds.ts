// The rounds the verdict opens itself (verification, recovery): ids, dispatch with a deadline,
// closing, and the tally of their votes (ARCHITECTURE.md "Verdict"). What a decided round does is
// in verification.ts and recovery.ts; votes.ts adds votes and decides.
import { type RoundRef, roundDeadline } from '../domain/rounds.ts';
import type { Ctx } from './context.ts';
import type { OpenRound, RoundPurpose, RoundVote, Vote } from './types.ts';

/** Closed round ids a state remembers: late answers to them never open a new round. */
const CLOSED_KEPT = 8;

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

export function tally(votes: readonly RoundVote[]): { fails: number; oks: number } {
  let fails = 0;
  for (const v of votes) if (!v.ok) fails++;
  return { fails, oks: votes.length - fails };
}
