// The verdict: a pure state machine, one monitor at a time, clock and randomness injected.
//
// API:
//   step(input: VerdictInput): VerdictOutput     the whole machine (see types.ts for shapes)
//   initialState(now): MonitorState              a new monitor: `pending`
//   cadenceOf(spec, state): Cadence              periodic rounds the scheduler should keep
//   wakeAtOf(state): number | null               when the machine wants a `tick`
//   roundDeadline(at, timeout): number           when an unanswered job counts as missed
//   RECHECK_DELAY, DOWN_PERIOD_MAX, DOWN_FANOUT
//
// Wiring, per monitor (the full loop is in collector/engine/ and test/verdict/world.ts):
//   out = step({ spec, state, regions: { live, impaired }, event, now, rng })
//   persist out.state (with out.events and out.marks, in one transaction);
//   scheduler.setCadence(id, out.cadence); out.dispatch.forEach(d => scheduler.enqueue(d));
//   scheduler.wake(id, out.wakeAt).
//
// Rules (ARCHITECTURE.md "Verdict"; decisions of ours where no rule was given are marked CHOICE):
// - pending/up: scheduled checks feed the flapping window. A failure moves to verifying and
//   dispatches `confirm.regions` other live voting regions at once. The verification round is
//   decided as soon as its outcome is certain (quorum.ts): down when failing votes are more than
//   half of the votes cast (the first failure is one), else back to up, every failing vote of the
//   round marked `unconfirmed`.
//   - one voting region only: `confirm.regions` re-checks from it, one at a time, 5 s apart.
//   - fewer other regions than `confirm.regions`: all of them (CHOICE: no top-up re-checks).
//   - `confirm.regions: 0`: the first failure is final (the schema's documented meaning).
//   - CHOICE: if every verification job is missed, only the first failure was cast; rather than
//     call it down on one vantage point's word the round is `inconclusive`: back to up, marked.
// - down: the incident starts at the first failing check. Periodic down rounds (every
//   min(interval, 1m), up to 4 regions, run by the scheduler from `cadenceOf`). A round whose
//   majority succeeds (decided early too) moves to recovering.
// - A failing check that started after a success streak began breaks the streak even when it
//   answers an already closed round (while recovering: back to down).
// - recovering: `recover.checks` successes in a row from different regions make it up; the
//   trailing successes of the deciding down round count (so with 4 regions: r3 fails, r1, r2, r4
//   succeed -> up at the third success). Missing ones are dispatched in parallel from regions not
//   yet in the streak. CHOICE: when the monitor has fewer voting regions than `recover.checks`,
//   every voting region must appear and the rest may repeat (one at a time, 5 s apart), so a
//   single-region monitor needs `recover.checks` successes from its one region. A failure of a
//   recovery check returns to down, same incident. The incident ends at the last failing check.
// - flapping (when `flapping` is set): the window holds the last `window` scheduled checks
//   (verification/down/recovery checks are bursts of the same instant and are not in it; missed
//   checks and set-aside votes never are); the score is null until it is full (flapping.ts).
//   Evaluated on every scheduled check in pending/up/flapping, before verification:
//   - up -> flapping when low <= score <= high (CHOICE: and score > 0, so `low: 0` does not make
//     every stable monitor "flapping"). No verification: the flapping incident is the alert.
//   - flapping -> down when score > high. CHANGED: only on a failing check, and only once the
//     quorum confirms it: the failure starts a verification round as in up; confirmed -> down
//     (flapping incident resolved `escalated`, down incident opened `escalated`, starting at that
//     failure); not confirmed -> back to flapping. Why: Vigil's first rule is never to call a site
//     down on one vantage point's word, and a score just above `high` is ordinary noise for an
//     intermittent failure (a 1-in-3 failure rate scores about 45 on average; escalating on the
//     score alone took a 1-of-3-bad-backend site down in 70% of simulated hours).
//   - flapping -> up when score < low on a successful check. CHOICE: score < low on a failing
//     check ends flapping and starts a normal verification (a site that went hard down while
//     flapping must not become "up" because its results stopped changing).
//   - While flapping with a score in the band, failures are not verified. Down never enters
//     flapping. Up with score > high stays up (the band is not a failure): the quorum decides as usual.
//   - `flapping: false` set on a flapping monitor ends the flapping incident (back to up).
// - Flapping incidents start at the earliest failing check in the window and end at the last
//   failing check seen.
// - Missed checks are never votes. Votes from impaired regions are set aside (marked `impaired`)
//   when the monitor has another live, non-impaired region.
// - paused: no rounds, results ignored, an open incident is resolved (`paused`); unpausing goes
//   back to pending with an empty window.
// - Maintenance (CHOICE): states and incidents are computed as usual, but an incident whose first
//   failing check (or opening) falls inside a window is `suppressed`: every event about it says
//   so, sinks must not announce it. If it is still failing after the window, the quiet incident is
//   resolved and an announced one opened (`maintenance_ended`), starting at that failing check.

import { isSetAside, noRunnerMessage } from '../domain/regions.ts';
import { DOWN_PERIOD_MAX } from '../domain/rounds.ts';
import { flappingScore } from './flapping.ts';
import type { Cadence, Missed, MonitorState, VerdictInput, VerdictOutput, Vote } from './types.ts';

export { DOWN_PERIOD_MAX, ROUND_SLACK, roundDeadline } from '../domain/rounds.ts';

import {
  addVote,
  closeRound,
  decide,
  isClosed,
  onScheduled,
  openPeriodicRound,
  toRoundVote,
} from './checks.ts';
import type { Ctx } from './context.ts';
import { emit, extendIncident, go, resolveIncident } from './outcomes.ts';

/** Single-region verification re-checks, and repeated recovery checks, are this far apart. */
export const RECHECK_DELAY = 5_000;
/** While down, a round asks up to this many regions. */
export const DOWN_FANOUT = 4;
export function initialState(now: number): MonitorState {
  return {
    v: 1,
    state: 'pending',
    since: now,
    seq: 0,
    round: null,
    window: [],
    score: null,
    incident: null,
    streak: [],
    note: null,
    lastCheckAt: null,
    closedRounds: [],
    lastVerify: null,
  };
}

export function cadenceOf(spec: VerdictInput['spec'], state: MonitorState): Cadence {
  if (spec.paused) return { kind: 'hold' };
  switch (state.state) {
    case 'paused':
    case 'verifying':
    case 'recovering':
      return { kind: 'hold' };
    case 'down':
      return {
        kind: 'periodic',
        purpose: 'down-round',
        every: Math.min(spec.interval, DOWN_PERIOD_MAX),
        fanout: DOWN_FANOUT,
      };
    default:
      return { kind: 'periodic', purpose: 'scheduled', every: spec.interval, fanout: 1 };
  }
}

export function wakeAtOf(state: MonitorState): number | null {
  return state.round ? state.round.deadline : null;
}

export function step(input: VerdictInput): VerdictOutput {
  const ctx: Ctx = {
    in: input,
    s: copyState(input.state),
    now: input.now,
    dispatch: [],
    events: [],
    marks: [],
    transitions: [],
  };
  const { event } = input;
  if (event.type === 'removed') {
    if (ctx.s.incident) resolveIncident(ctx, 'removed');
    closeRound(ctx);
    return finish(ctx, { kind: 'hold' });
  }
  reconcileSpec(ctx);
  if (ctx.s.state !== 'paused') {
    if (event.type === 'result') onVote(ctx, event.vote);
    else if (event.type === 'missed') onMissed(ctx, event.missed);
    else onTick(ctx);
  }
  return finish(ctx, cadenceOf(input.spec, ctx.s));
}

/**
 * The copy a step works on, so the input state is never mutated. Only what a step mutates in
 * place is copied (the round, its arrays, the incident, the streak array); window entries, votes
 * and the other arrays are replaced, never changed. 5-10x cheaper than structuredClone.
 */
function copyState(s: MonitorState): MonitorState {
  return {
    ...s,
    round: s.round ? { ...s.round, votes: [...s.round.votes], answered: [...s.round.answered] } : null,
    window: [...s.window],
    incident: s.incident ? { ...s.incident } : null,
    streak: [...s.streak],
    closedRounds: [...s.closedRounds],
    lastVerify: s.lastVerify ? { ...s.lastVerify } : null,
  };
}

function finish(ctx: Ctx, cadence: Cadence): VerdictOutput {
  return {
    state: ctx.s,
    dispatch: ctx.dispatch,
    cadence,
    wakeAt: wakeAtOf(ctx.s),
    events: ctx.events,
    marks: ctx.marks,
    transitions: ctx.transitions,
  };
}

// ---------------------------------------------------------------- spec changes, pause

function reconcileSpec(ctx: Ctx): void {
  const { spec } = ctx.in;
  const s = ctx.s;
  if (spec.paused) {
    if (s.state !== 'paused') {
      if (s.incident) resolveIncident(ctx, 'paused');
      closeRound(ctx);
      s.streak = [];
      s.window = [];
      s.score = null;
      go(ctx, 'paused');
    }
    return;
  }
  if (s.state === 'paused') go(ctx, 'pending');
  if (spec.flapping === false) {
    s.window = [];
    s.score = null;
    if (s.state === 'flapping') {
      // Flapping detection turned off: the flapping incident ends, verification rules again.
      resolveIncident(ctx, 'recovered');
      go(ctx, 'up');
    }
  } else if (s.window.length > spec.flapping.window) {
    s.window = s.window.slice(s.window.length - spec.flapping.window);
    s.score = flappingScore(
      s.window.map((e) => e.ok),
      spec.flapping.window,
    );
  }
}

// ---------------------------------------------------------------- events

function onVote(ctx: Ctx, v: Vote): void {
  const { spec, regions } = ctx.in;
  const s = ctx.s;
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

function onMissed(ctx: Ctx, m: Missed): void {
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

function onTick(ctx: Ctx): void {
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
