// When to announce, remind and resolve: pure, clock injected. Given one alert, the monitor's
// alert settings and `now`, it answers which operations are due now and when to ask again.
//
// Rules (README "What the collector serves"; CHOICE marks a decision of ours where the obvious rule was noise):
// - down: opened once it has lasted `alert.after` from its start (0 = at once). One that ended
//   earlier is recorded, never announced. "Lasted" means the verdict still held it open at
//   start + after: an incident that qualified but was noticed late (a restart) is still opened,
//   then resolved in the same step.
// - While announced and open: a reminder every `remind_every` (0 = never), counted from the last
//   reminder or the announcement, on a fixed schedule (a reminder sent a tick late does not push
//   the next ones). CHOICE: after a long gap (collector stopped) one reminder, not a burst of the
//   missed ones, and the schedule restarts from it.
// - Ended: resolved once `recovery_after` has passed since the verdict said so; a failure in
//   between re-opens the alert (the caller folds the new incident in) and the wait starts over.
//   CHOICE: causes that are not a recovery (paused, removed, escalated to down, flapping settled
//   into a verification, maintenance ended) resolve at once.
// - flapping: opened at once (its 21-check window already is the wait), reminded like down,
//   resolved at once when the score falls below `low`.
// - certificate, region: opened at once, never reminded (CHOICE: a certificate warning lasts
//   days; a comment every 30 minutes would be noise), resolved at once.
// - suppressed (began inside maintenance), or `quiet` now (paused, or inside a maintenance
//   window): never opened, never reminded; CHOICE: an announced alert still resolves.
import type { AlertConfig } from '../../schema/types.ts';
import type { Alert, AlertKind } from '../domain/alerts.ts';

/** `finish` closes an alert that was never announced: recorded, no sink is told. */
export type DueOperation = 'open' | 'remind' | 'resolve' | 'finish';

export interface TimingPolicy {
  after: number;
  remindEvery: number;
  recoveryAfter: number;
}

export type TimingAlert = Pick<
  Alert,
  'kind' | 'status' | 'start' | 'resolvedAt' | 'endCause' | 'suppressed' | 'announcedAt' | 'lastReminderAt'
>;

export interface TimingDecision {
  /** In the order they must be delivered. */
  ops: DueOperation[];
  /** When something may become due next (null: only a new event changes anything). */
  nextAt: number | null;
  /**
   * With `remind`: the time to record as the reminder's, its place on the schedule. That is its
   * due time when it is only a little late (a tick later), so reminders stay `remind_every`
   * apart instead of drifting; `now` after a gap longer than `remind_every`.
   */
  reminderAt?: number;
}

/** End causes that are not a recovery: no `recovery_after` wait. */
export const IMMEDIATE_END_CAUSES: ReadonlySet<string> = new Set([
  'paused',
  'removed',
  'escalated',
  'settled',
  'maintenance_ended',
]);

/** The timing that applies to one kind of alert. `alert` is null for region alerts. */
export function policyFor(
  kind: AlertKind,
  alert: Pick<AlertConfig, 'after' | 'remind_every' | 'recovery_after'> | null,
): TimingPolicy {
  switch (kind) {
    case 'down':
      return {
        after: alert?.after ?? 0,
        remindEvery: alert?.remind_every ?? 0,
        recoveryAfter: alert?.recovery_after ?? 0,
      };
    case 'flapping':
      return { after: 0, remindEvery: alert?.remind_every ?? 0, recoveryAfter: 0 };
    case 'certificate':
    case 'region':
      return { after: 0, remindEvery: 0, recoveryAfter: 0 };
  }
}

export function dueOperations(
  alert: TimingAlert,
  policy: TimingPolicy,
  now: number,
  context: { quiet: boolean } = { quiet: false },
): TimingDecision {
  if (alert.status === 'closed') return { ops: [], nextAt: null };
  const ops: DueOperation[] = [];
  let announced = alert.announcedAt !== null;
  let lastNotice = alert.lastReminderAt ?? alert.announcedAt;

  if (!announced && !alert.suppressed && !context.quiet) {
    const openAt = alert.start + policy.after;
    // Still open at `openAt`: either still open now and that time has come, or it ended after it.
    const qualifies =
      alert.status === 'open' ? now >= openAt : alert.resolvedAt !== null && alert.resolvedAt >= openAt;
    if (qualifies) {
      ops.push('open');
      announced = true;
      lastNotice = now;
    } else if (alert.status === 'open') {
      return { ops, nextAt: openAt };
    }
  }

  if (alert.status === 'open') {
    if (!announced || context.quiet || policy.remindEvery <= 0 || lastNotice === null) {
      return { ops, nextAt: null };
    }
    const remindAt = lastNotice + policy.remindEvery;
    if (now >= remindAt) {
      ops.push('remind');
      const reminderAt = now - remindAt < policy.remindEvery ? remindAt : now;
      return { ops, nextAt: reminderAt + policy.remindEvery, reminderAt };
    }
    return { ops, nextAt: remindAt };
  }

  // recovering
  const wait = alert.endCause !== null && IMMEDIATE_END_CAUSES.has(alert.endCause) ? 0 : policy.recoveryAfter;
  const closeAt = (alert.resolvedAt ?? now) + wait;
  if (now < closeAt) return { ops, nextAt: closeAt };
  ops.push(announced ? 'resolve' : 'finish');
  return { ops, nextAt: null };
}
