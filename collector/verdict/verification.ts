// Verification: a failure in pending, up or flapping asks `confirm.regions` other voting regions
// (or re-checks from the only one); the round confirms down on a failing majority, else marks
// its failures unconfirmed or inconclusive (ARCHITECTURE.md "Verdict").
import { pickMany, votingRegions } from '../domain/regions.ts';
import { RECHECK_DELAY } from './cadence.ts';
import { type Ctx, go } from './context.ts';
import { emit, newIncident, resolveIncident } from './incidents.ts';
import { failingMajority } from './quorum.ts';
import { closeRound, newRound, send, tally, toRoundVote } from './rounds.ts';
import type { Mark, OpenRound, Vote } from './types.ts';

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
  // Decided at once when it can be (`confirm.regions: 0`: the first failure is final).
  decideVerification(ctx, round);
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
