// Down and recovering: a down round whose majority succeeds starts recovery; `recover.checks`
// successes in a row from different regions make the monitor up, a failure sends it back to down
// with the same incident (ARCHITECTURE.md "Verdict").
import { noRunnerMessage, pickMany, pickOne, votingRegions } from '../domain/regions.ts';
import { DOWN_PERIOD_MAX } from '../domain/rounds.ts';
import { RECHECK_DELAY } from './cadence.ts';
import { type Ctx, go } from './context.ts';
import { emit, resolveIncident } from './incidents.ts';
import { succeedingMajority } from './quorum.ts';
import { closeRound, newRound, send, tally } from './rounds.ts';
import type { OpenRound } from './types.ts';

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
