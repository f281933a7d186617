// A monitor taken over from a dead collector (its shard moved: `catchUp`) runs the round its old
// collector missed at once, then goes back to its stable slots; at a plain restart, or when no slot
// passed since its last round, it keeps its next slot (ARCHITECTURE.md "Cluster").
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../collector/domain/regions.ts';
import { Scheduler } from '../../collector/scheduler/scheduler.ts';
import { nextSlot, slotOffset } from '../../collector/scheduler/slots.ts';
import type { SchedulerItem, SchedulerMonitor } from '../../collector/scheduler/types.ts';

const INTERVAL = 30_000;
const T0 = Date.UTC(2026, 0, 5, 12);

function setup() {
  let now = T0;
  const s = new Scheduler({ clock: () => now, rng: mulberry32(1) });
  s.setRegions({ live: ['a'], impaired: [] });
  return { s, at: (t: number) => (now = t) };
}

const monitor = (over: Partial<SchedulerMonitor> = {}): SchedulerMonitor => ({
  id: 'm1',
  interval: INTERVAL,
  timeout: 5_000,
  regions: null,
  paused: false,
  ...over,
});

const rounds = (items: SchedulerItem[]) =>
  items.filter((i): i is Extract<SchedulerItem, { type: 'round' }> => i.type === 'round');

describe('taking a monitor over', () => {
  // The last round its old collector ran, and the takeover 20 s after the slot it then missed.
  const offset = slotOffset('m1', INTERVAL);
  const last = nextSlot(T0, INTERVAL, offset);
  const takeover = last + INTERVAL + 20_000;

  it('runs the missed round at the takeover, then the stable slots', () => {
    const { s, at } = setup();
    at(takeover);
    s.upsert(monitor({ lastRoundAt: last, catchUp: true }));
    expect(s.nextAt()).toBe(takeover);
    const first = rounds(s.due());
    expect(first.map((r) => r.due)).toEqual([takeover]);
    expect(takeover - last).toBeLessThanOrEqual(INTERVAL + 30_000);
    s.report('m1', first[0]!.round.id);
    expect(s.nextAt()).toBe(last + 2 * INTERVAL);
    at(last + 2 * INTERVAL);
    const second = rounds(s.due());
    s.report('m1', second[0]!.round.id);
    expect(s.nextAt()).toBe(last + 3 * INTERVAL);
  });

  it('runs at once when its last round is unknown', () => {
    const { s, at } = setup();
    at(takeover);
    s.upsert(monitor({ lastRoundAt: null, catchUp: true }));
    expect(s.nextAt()).toBe(takeover);
  });

  it('keeps the next slot when none was missed, and at a plain restart', () => {
    const early = setup();
    early.at(last + 10_000);
    early.s.upsert(monitor({ lastRoundAt: last, catchUp: true }));
    expect(early.s.nextAt()).toBe(last + INTERVAL);
    const restart = setup();
    restart.at(takeover);
    restart.s.upsert(monitor({ lastRoundAt: last }));
    expect(restart.s.nextAt()).toBe(last + 2 * INTERVAL);
  });

  it('catches up in the down cadence too (the verdict sets it after the takeover)', () => {
    const { s, at } = setup();
    at(takeover);
    s.upsert(monitor({ lastRoundAt: last, catchUp: true }));
    s.setCadence('m1', { kind: 'periodic', purpose: 'down-round', every: INTERVAL, fanout: 1 });
    expect(s.nextAt()).toBe(takeover);
  });
});
