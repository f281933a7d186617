// The pure timing rules with a fake clock: what is due when.
import { describe, expect, it } from 'vitest';
import { certificateExpiring } from '../../collector/incidents/alerts.ts';
import { dueOperations, policyFor, type TimingAlert } from '../../collector/incidents/timing.ts';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const S = 1000;
const M = 60 * S;

const down = { after: 3 * M, remind_every: 30 * M, recovery_after: 0 };

function alert(fields: Partial<TimingAlert> = {}): TimingAlert {
  return {
    kind: 'down',
    status: 'open',
    start: T0,
    resolvedAt: null,
    endCause: null,
    suppressed: false,
    announcedAt: null,
    lastReminderAt: null,
    ...fields,
  };
}

/** Plays time forward in 1 s steps, applying due operations as the recorder would. */
function play(
  initial: TimingAlert,
  policy: ReturnType<typeof policyFor>,
  until: number,
  events: Array<[number, Partial<TimingAlert>]> = [],
) {
  let a = { ...initial };
  const log: Array<[number, string]> = [];
  for (let now = a.start; now <= until; now += S) {
    for (const [at, change] of events) if (at === now) a = { ...a, ...change };
    const { ops } = dueOperations(a, policy, now);
    for (const op of ops) {
      log.push([now - T0, op]);
      if (op === 'open') a = { ...a, announcedAt: now };
      if (op === 'remind') a = { ...a, lastReminderAt: dueOperations(a, policy, now).reminderAt ?? now };
      if (op === 'resolve' || op === 'finish') a = { ...a, status: 'closed' };
    }
  }
  return log;
}

describe('timing of a down incident', () => {
  const policy = policyFor('down', down);

  it('a blip shorter than alert.after is recorded, never announced', () => {
    const log = play(alert(), policy, T0 + 10 * M, [
      [T0 + 2 * M, { status: 'recovering', resolvedAt: T0 + 2 * M }],
    ]);
    expect(log).toEqual([[2 * M, 'finish']]);
  });

  it('opens once it lasted alert.after, reminds every remind_every, resolves on recovery', () => {
    const log = play(alert(), policy, T0 + 80 * M, [
      [T0 + 75 * M, { status: 'recovering', resolvedAt: T0 + 75 * M }],
    ]);
    expect(log).toEqual([
      [3 * M, 'open'],
      [33 * M, 'remind'],
      [63 * M, 'remind'],
      [75 * M, 'resolve'],
    ]);
  });

  it('after: 0 opens at once; remind_every: 0 never reminds', () => {
    const log = play(
      alert(),
      policyFor('down', { after: 0, remind_every: 0, recovery_after: 0 }),
      T0 + 120 * M,
    );
    expect(log).toEqual([[0, 'open']]);
  });

  it('says when to look again', () => {
    expect(dueOperations(alert(), policy, T0 + M)).toEqual({ ops: [], nextAt: T0 + 3 * M });
    expect(dueOperations(alert({ announcedAt: T0 + 3 * M }), policy, T0 + 4 * M)).toEqual({
      ops: [],
      nextAt: T0 + 33 * M,
    });
    expect(
      dueOperations(
        alert({ announcedAt: T0 + 3 * M, status: 'recovering', resolvedAt: T0 + 9 * M }),
        policyFor('down', { ...down, recovery_after: 5 * M }),
        T0 + 10 * M,
      ),
    ).toEqual({ ops: [], nextAt: T0 + 14 * M });
  });

  it('recovery_after: waits before resolving; a failure during the wait keeps it open', () => {
    const p = policyFor('down', { ...down, recovery_after: 5 * M });
    const log = play(alert(), p, T0 + 60 * M, [
      [T0 + 10 * M, { status: 'recovering', resolvedAt: T0 + 10 * M }],
      // failed again 2 minutes into the wait: the same incident goes on
      [T0 + 12 * M, { status: 'open', resolvedAt: null }],
      [T0 + 20 * M, { status: 'recovering', resolvedAt: T0 + 20 * M }],
    ]);
    expect(log).toEqual([
      [3 * M, 'open'],
      [25 * M, 'resolve'],
    ]);
  });

  it('an incident that qualified but is seen late (a restart) is opened and resolved', () => {
    const a = alert({ status: 'recovering', resolvedAt: T0 + 4 * M });
    expect(dueOperations(a, policy, T0 + 9 * M).ops).toEqual(['open', 'resolve']);
    // ended before alert.after: recorded
    expect(dueOperations({ ...a, resolvedAt: T0 + 2 * M }, policy, T0 + 9 * M).ops).toEqual(['finish']);
  });

  it('one reminder after a long gap, not a burst', () => {
    const a = alert({ announcedAt: T0 + 3 * M, lastReminderAt: T0 + 33 * M });
    const { ops, nextAt, reminderAt } = dueOperations(a, policy, T0 + 300 * M);
    expect(ops).toEqual(['remind']);
    expect(reminderAt).toBe(T0 + 300 * M);
    expect(nextAt).toBe(T0 + 330 * M);
  });

  it('a reminder sent a little late keeps the schedule', () => {
    const a = alert({ announcedAt: T0 + 3 * M, lastReminderAt: T0 + 33 * M });
    const { ops, nextAt, reminderAt } = dueOperations(a, policy, T0 + 63 * M + 1500);
    expect(ops).toEqual(['remind']);
    expect(reminderAt).toBe(T0 + 63 * M);
    expect(nextAt).toBe(T0 + 93 * M);
  });

  it('suppressed (maintenance) and quiet (paused, in a window) never open', () => {
    expect(dueOperations(alert({ suppressed: true }), policy, T0 + 60 * M).ops).toEqual([]);
    expect(dueOperations(alert(), policy, T0 + 60 * M, { quiet: true }).ops).toEqual([]);
    expect(
      dueOperations(
        alert({ suppressed: true, status: 'recovering', resolvedAt: T0 + 60 * M }),
        policy,
        T0 + 61 * M,
      ).ops,
    ).toEqual(['finish']);
    // quiet stops reminders, but an announced incident still resolves
    const announced = alert({ announcedAt: T0 + 3 * M });
    expect(dueOperations(announced, policy, T0 + 60 * M, { quiet: true }).ops).toEqual([]);
    expect(
      dueOperations({ ...announced, status: 'recovering', resolvedAt: T0 + 61 * M }, policy, T0 + 61 * M, {
        quiet: true,
      }).ops,
    ).toEqual(['resolve']);
  });

  it('causes that are not a recovery resolve without waiting recovery_after', () => {
    const p = policyFor('down', { ...down, recovery_after: 30 * M });
    for (const cause of ['paused', 'removed', 'escalated']) {
      const a = alert({
        announcedAt: T0 + 3 * M,
        status: 'recovering',
        resolvedAt: T0 + 10 * M,
        endCause: cause,
      });
      expect(dueOperations(a, p, T0 + 10 * M).ops).toEqual(['resolve']);
    }
    const recovered = alert({
      announcedAt: T0 + 3 * M,
      status: 'recovering',
      resolvedAt: T0 + 10 * M,
      endCause: 'recovered',
    });
    expect(dueOperations(recovered, p, T0 + 10 * M).ops).toEqual([]);
  });

  it('closed alerts have nothing due', () => {
    expect(dueOperations(alert({ status: 'closed' }), policy, T0 + 100 * M)).toEqual({
      ops: [],
      nextAt: null,
    });
  });
});

describe('timing of the other kinds', () => {
  it('flapping opens at once, is reminded, and closes at once', () => {
    const p = policyFor('flapping', { after: 10 * M, remind_every: 30 * M, recovery_after: 10 * M });
    const log = play(alert({ kind: 'flapping' }), p, T0 + 40 * M, [
      [T0 + 35 * M, { status: 'recovering', resolvedAt: T0 + 35 * M, endCause: 'recovered' }],
    ]);
    expect(log).toEqual([
      [0, 'open'],
      [30 * M, 'remind'],
      [35 * M, 'resolve'],
    ]);
  });

  it('certificate and region alerts open and close at once, never reminded', () => {
    for (const kind of ['certificate', 'region'] as const) {
      const log = play(alert({ kind }), policyFor(kind, down), T0 + 120 * M, [
        [T0 + 100 * M, { status: 'recovering', resolvedAt: T0 + 100 * M }],
      ]);
      expect(log).toEqual([
        [0, 'open'],
        [100 * M, 'resolve'],
      ]);
    }
  });
});

describe('certificate warning threshold', () => {
  it('warns when the certificate expires in fewer days than tls.expiry_warning_days; 0 = never', () => {
    expect(certificateExpiring(13, 14)).toBe(true);
    expect(certificateExpiring(14, 14)).toBe(false);
    expect(certificateExpiring(-2, 14)).toBe(true);
    expect(certificateExpiring(-2, 0)).toBe(false);
    expect(certificateExpiring(0, 0)).toBe(false);
  });
});
