// The three events a running monitor gets: a vote (a check result), a miss (a job that never
// answered: never a vote) and a tick (a round's deadline passed). Each goes to the open round it
// answers, or by state to the rule that takes it (ARCHITECTURE.md "Verdict").
import { isSetAside, noRunnerMessage } from '../domain/regions.ts';
import type { Missed } from '../domain/rounds.ts';
import { type Ctx, go } from './context.ts';
import { emit, extendIncident } from './incidents.ts';
import { closeRound, isClosed, toRoundVote } from './rounds.ts';
import { onScheduled } from './scheduled.ts';
import type { Vote } from './types.ts';
import { addVote, decide, isLate, openPeriodicRound } from './votes.ts';

export function onVote(ctx: Ctx, v: Vote): void {
  const { spec, regions } = ctx.in;
  const s = ctx.s;
  if (isLate(ctx, v)) return;
  if (isSetAside(v.region, spec.regions, regions)) {
    ctx.marks.push({ jobId: v.jobId, mark: 'impaired' });
    return;
  }
  s.note = null;
  s.lastCheckAt = s.lastCheckAt === null ? v.at : Math.max(s.lastCheckAt, v.at);

  if (s.round && v.round.id === s.round.id) {
    if (s.round.answered.includes(v.jobId)) return;
    addVote(ctx, s.round, v);
    decide(ctx);
    return;
  }
  switch (s.state) {
    case 'pending':
    case 'up':
    case 'flapping':
      if (v.round.purpose === 'scheduled') onScheduled(ctx, v);
      else stale(ctx, v);
      return;
    case 'down':
      if (v.round.purpose === 'down-round' && !isClosed(ctx, v.round)) {
        openPeriodicRound(ctx, v.round);
        if (s.state === 'down' && s.round) {
          addVote(ctx, s.round, v);
          decide(ctx);
          return;
        }
      }
      stale(ctx, v);
      return;
    default:
      stale(ctx, v);
  }
}

export function onMissed(ctx: Ctx, m: Missed): void {
  const s = ctx.s;
  if (m.message) s.note = m.message;
  else if (m.reason === 'no_runner') s.note = noRunnerMessage(ctx.in.spec.regions);
  let round = s.round && m.round.id === s.round.id ? s.round : null;
  if (
    !round &&
    s.state === 'down' &&
    m.round.purpose === 'down-round' &&
    m.round.size > 0 &&
    !isClosed(ctx, m.round)
  ) {
    openPeriodicRound(ctx, m.round);
    if (s.state === 'down') round = s.round;
  }
  // A missed scheduled check (or anything else) is no vote: nothing changes.
  if (!round) return;
  if (m.jobId !== null) {
    if (round.answered.includes(m.jobId)) return;
    round.answered.push(m.jobId);
  }
  round.pending = Math.max(0, round.pending - 1);
  decide(ctx);
}

export function onTick(ctx: Ctx): void {
  const r = ctx.s.round;
  if (r && ctx.now >= r.deadline) {
    // Unanswered jobs are missed now; decide with the votes cast.
    r.pending = 0;
    decide(ctx);
  }
}

/** A result that belongs to no open round: it still extends an open incident if it failed. */
function stale(ctx: Ctx, v: Vote): void {
  const s = ctx.s;
  if (!v.ok && s.lastVerify && s.lastVerify.roundId === v.round.id) {
    ctx.marks.push({ jobId: v.jobId, mark: s.lastVerify.mark });
    return;
  }
  if (v.ok || !s.incident || v.at < s.incident.start) return;
  extendIncident(ctx, v);
  // A failing check that started after the success streak began breaks "in a row", even when it
  // answers a round that is already closed (checks started together are not "in between").
  const first = s.streak[0];
  if (s.state === 'down' && first && v.at > first.at) s.streak = [];
  if (s.state === 'recovering' && (first ? v.at > first.at : v.at >= s.since)) {
    s.streak = [];
    closeRound(ctx);
    go(ctx, 'down');
    emit(ctx, 'ongoing', s.incident!, 'recovery_failed', [toRoundVote(v)]);
  }
}
