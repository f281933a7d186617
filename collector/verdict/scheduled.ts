// Scheduled checks in pending, up and flapping: they feed the flapping window, enter and leave
// flapping, and start verification on a failure (ARCHITECTURE.md "Verdict"; the score is
// flapping.ts).
import { type Ctx, go } from './context.ts';
import { flappingScore, pushWindow } from './flapping.ts';
import { emit, extendIncident, newIncident, resolveIncident } from './incidents.ts';
import type { IncidentCause, IncidentKind, MonitorState, Vote } from './types.ts';
import { startVerification } from './verification.ts';

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
