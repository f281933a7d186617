import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../collector/domain/regions.ts';
import { roundDeadline } from '../../collector/domain/rounds.ts';
import { Scheduler } from '../../collector/scheduler/scheduler.ts';
import { hashFraction, nextSlot, slotOffset } from '../../collector/scheduler/slots.ts';
import {
  SchedulerError,
  type SchedulerItem,
  type SchedulerMonitor,
} from '../../collector/scheduler/types.ts';

const M = 60_000;
const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

class FakeClock {
  now = T0;
  read = () => this.now;
}

function monitor(id: string, over: Partial<SchedulerMonitor> = {}): SchedulerMonitor {
  return { id, interval: M, timeout: 10_000, regions: null, paused: false, ...over };
}

function make(live = ['a', 'b', 'c', 'd'], seed = 1) {
  const clock = new FakeClock();
  const s = new Scheduler({ clock: clock.read, rng: mulberry32(seed) });
  s.setRegions({ live, impaired: [] });
  return { clock, s };
}

type Round = Extract<SchedulerItem, { type: 'round' }>;
const rounds = (items: SchedulerItem[]) => items.filter((i): i is Round => i.type === 'round');

/** Step the clock to each due time until `until`, answering rounds at once if `answer`. */
function drive(clock: FakeClock, s: Scheduler, until: number, answer = true): SchedulerItem[] {
  const all: SchedulerItem[] = [];
  for (;;) {
    const next = s.nextAt();
    if (next === null || next > until) break;
    clock.now = Math.max(clock.now, next);
    const items = s.due();
    all.push(...items);
    if (answer) for (const r of rounds(items)) for (const _ of r.regions) s.report(r.monitorId, r.round.id);
  }
  clock.now = until;
  return all;
}

describe('slots', () => {
  it('offsets of 10,000 monitors spread evenly over the minute, and are stable', () => {
    const buckets = new Array(60).fill(0);
    for (let i = 0; i < 10_000; i++) buckets[Math.floor(slotOffset(`monitor-${i}`, M) / 1000)]++;
    const mean = 10_000 / 60;
    for (const b of buckets) expect(Math.abs(b - mean)).toBeLessThan(mean * 0.35);
    expect(slotOffset('monitor-1', M)).toBe(slotOffset('monitor-1', M));
    expect(hashFraction('a')).not.toBe(hashFraction('b'));
  });

  it('similar ids do not cluster', () => {
    const offsets = ['api', 'api-1', 'api-2', 'api-3', 'api-4', 'api-5'].map((id) => slotOffset(id, M));
    const sorted = [...offsets].sort((a, b) => a - b);
    expect(sorted[sorted.length - 1]! - sorted[0]!).toBeGreaterThan(M / 4);
  });

  it('nextSlot is the smallest slot at or after `from`', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.integer({ min: 1, max: 86_400_000 }),
        fc.nat(),
        (from, period, o) => {
          const offset = o % period;
          const t = nextSlot(from, period, offset);
          expect(t).toBeGreaterThanOrEqual(from);
          expect(t - period).toBeLessThan(from);
          expect((((t - offset) % period) + period) % period).toBe(0);
        },
      ),
    );
  });
});

describe('Scheduler', () => {
  // Pure, but a few seconds of CPU: more than the default 30 s for a loaded machine.
  it('10,000 monitors: each fires once per interval on its slot, in time order, spread over the minute', {
    timeout: 120_000,
  }, () => {
    const { clock, s } = make();
    for (let i = 0; i < 10_000; i++) s.upsert(monitor(`m${i}`));
    // First rounds within a minute.
    const first = rounds(drive(clock, s, T0 + M));
    expect(new Set(first.map((r) => r.monitorId)).size).toBe(10_000);
    // Then exactly one round per monitor per minute, on the monitor's slot.
    const next = rounds(drive(clock, s, T0 + 3 * M));
    const perMonitor = new Map<string, number[]>();
    for (const r of next) perMonitor.set(r.monitorId, [...(perMonitor.get(r.monitorId) ?? []), r.due]);
    expect(perMonitor.size).toBe(10_000);
    for (const [id, dues] of perMonitor) {
      expect(dues).toHaveLength(2);
      expect(dues[1]! - dues[0]!).toBe(M);
      expect((dues[0]! - slotOffset(id, M)) % M).toBe(0);
    }
    const dues = next.map((r) => r.due);
    for (let i = 1; i < dues.length; i++) expect(dues[i]!).toBeGreaterThanOrEqual(dues[i - 1]!);
    const perSecond = new Map<number, number>();
    for (const d of dues) perSecond.set(Math.floor(d / 1000), (perSecond.get(Math.floor(d / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan((2 * 20_000) / 120);
    expect(s.stats()).toMatchObject({ monitors: 10_000, inFlight: 0, skippedSlots: 0 });
  });

  it('never starts a second round while one is in flight; a late answer skips the passed slot', () => {
    const { clock, s } = make();
    s.upsert(monitor('x'));
    const [r1] = rounds(drive(clock, s, T0 + M, false));
    expect(r1).toBeDefined();
    expect(s.isInFlight('x')).toBe(true);
    // The next slot passes without a new round.
    expect(rounds(drive(clock, s, r1!.due + M + 5_000, false))).toEqual([]);
    s.report('x', r1!.round.id);
    expect(s.isInFlight('x')).toBe(false);
    expect(s.stats().skippedSlots).toBe(1);
    const [r2] = rounds(drive(clock, s, r1!.due + 2 * M, false));
    expect(r2!.due).toBe(r1!.due + 2 * M);
  });

  it('a round never answered expires at its deadline, then the schedule goes on', () => {
    const { clock, s } = make();
    s.upsert(monitor('x'));
    const [r1] = rounds(drive(clock, s, T0 + M, false));
    const items = drive(clock, s, r1!.deadline, false);
    expect(r1!.deadline).toBe(roundDeadline(r1!.due, 10_000));
    expect(items).toEqual([
      { type: 'expired', monitorId: 'x', round: r1!.round, due: r1!.due, outstanding: 1 },
    ]);
    const [r2] = rounds(drive(clock, s, r1!.deadline + M, false));
    expect(r2!.due).toBeGreaterThan(r1!.deadline);
  });

  it('reports for another round are ignored', () => {
    const { clock, s } = make();
    s.upsert(monitor('x'));
    rounds(drive(clock, s, T0 + M, false));
    s.report('x', 'x@0');
    expect(s.isInFlight('x')).toBe(true);
  });

  it('rotates regions: never the same twice in a row, all of them used', () => {
    const { clock, s } = make(['a', 'b', 'c', 'd'], 3);
    s.upsert(monitor('x'));
    const rs = rounds(drive(clock, s, T0 + 200 * M));
    const regions = rs.map((r) => r.regions[0]);
    expect(rs.every((r) => r.regions.length === 1 && r.round.purpose === 'scheduled')).toBe(true);
    for (let i = 1; i < regions.length; i++) expect(regions[i]).not.toBe(regions[i - 1]);
    expect(new Set(regions)).toEqual(new Set(['a', 'b', 'c', 'd']));
  });

  it("only the monitor's own regions with a live runner; one live region repeats", () => {
    const { clock, s } = make(['a', 'b', 'c']);
    s.upsert(monitor('x', { regions: ['b', 'z'] }));
    const rs = rounds(drive(clock, s, T0 + 10 * M));
    expect(rs.length).toBeGreaterThan(5);
    expect(rs.every((r) => r.regions[0] === 'b')).toBe(true);
    expect(s.lastRegion('x')).toBe('b');
  });

  it('no live runner in its regions: a missed round with a status message, every interval', () => {
    const { clock, s } = make(['a']);
    s.upsert(monitor('x', { regions: ['eu', 'us'] }));
    const items = drive(clock, s, T0 + 5 * M);
    expect(rounds(items)).toEqual([]);
    const missed = items.filter((i) => i.type === 'missed');
    expect(missed.length).toBeGreaterThanOrEqual(4);
    expect(missed[0]).toMatchObject({
      missed: { jobId: null, region: null, reason: 'no_runner', message: 'no runner in regions eu, us' },
    });
    expect(s.isInFlight('x')).toBe(false);
  });

  it('cadence from the verdict: down rounds every min(interval, 1m) from up to 4 regions, hold, back', () => {
    const { clock, s } = make(['a', 'b', 'c', 'd', 'e']);
    s.upsert(monitor('x', { interval: 5 * M }));
    drive(clock, s, T0 + M);
    s.setCadence('x', { kind: 'periodic', purpose: 'down-round', every: M, fanout: 4 });
    const down = rounds(drive(clock, s, T0 + 5 * M));
    expect(down.length).toBe(4);
    for (const r of down) {
      expect(r.round.purpose).toBe('down-round');
      expect(r.round.size).toBe(4);
      expect(new Set(r.regions).size).toBe(4);
    }
    for (let i = 1; i < down.length; i++) expect(down[i]!.due - down[i - 1]!.due).toBe(M);

    s.setCadence('x', { kind: 'hold' });
    expect(rounds(drive(clock, s, T0 + 20 * M))).toEqual([]);

    s.setCadence('x', { kind: 'periodic', purpose: 'scheduled', every: 5 * M, fanout: 1 });
    const back = rounds(drive(clock, s, T0 + 40 * M));
    expect(back.length).toBe(4);
    expect(back[1]!.due - back[0]!.due).toBe(5 * M);
  });

  it('down rounds prefer non-impaired regions; scheduled rounds keep impaired ones in rotation', () => {
    const { clock, s } = make(['a', 'b', 'c', 'd']);
    s.setRegions({ live: ['a', 'b', 'c', 'd'], impaired: ['c'] });
    s.upsert(monitor('x'));
    const scheduled = rounds(drive(clock, s, T0 + 60 * M)).map((r) => r.regions[0]);
    expect(scheduled).toContain('c');
    s.setCadence('x', { kind: 'periodic', purpose: 'down-round', every: M, fanout: 4 });
    const down = rounds(drive(clock, s, T0 + 70 * M));
    expect(down.length).toBeGreaterThan(0);
    for (const r of down) expect([...r.regions].sort()).toEqual(['a', 'b', 'd']);
  });

  it('setCadence with the same cadence changes nothing', () => {
    const { s } = make();
    s.upsert(monitor('x'));
    const at = s.nextAt();
    s.setCadence('x', { kind: 'periodic', purpose: 'scheduled', every: M, fanout: 1 });
    expect(s.nextAt()).toBe(at);
  });

  it('a cadence change during a round applies when the round is reported', () => {
    const { clock, s } = make();
    s.upsert(monitor('x'));
    const [r] = rounds(drive(clock, s, T0 + M, false));
    s.setCadence('x', { kind: 'hold' });
    s.report('x', r!.round.id);
    expect(rounds(drive(clock, s, T0 + 10 * M))).toEqual([]);
  });

  it('one-shot dispatches fire at their time; a region without a runner by then is a missed job', () => {
    const { clock, s } = make(['a', 'b']);
    s.upsert(monitor('x'));
    const round = { id: 'x#1:verify', purpose: 'verify' as const, size: 2 };
    expect(
      s.enqueue({ monitorId: 'x', round, regions: ['a', 'b'], at: T0 + 5_000, deadline: T0 + 95_000 }),
    ).toBe(true);
    clock.now = T0 + 4_999;
    expect(s.due().filter((i) => i.monitorId === 'x' && i.type !== 'round')).toEqual([]);
    s.setRegions({ live: ['a'], impaired: [] });
    clock.now = T0 + 5_000;
    const items = s.due().filter((i) => i.type !== 'round' || i.round.id === round.id);
    expect(items).toEqual([
      {
        type: 'missed',
        monitorId: 'x',
        due: T0 + 5_000,
        missed: { jobId: null, round, region: 'b', reason: 'no_runner', message: 'no runner in region b' },
      },
      { type: 'round', monitorId: 'x', round, regions: ['a'], due: T0 + 5_000, deadline: T0 + 95_000 },
    ]);
  });

  it('wake-ups are delivered at their time and can be moved or cleared', () => {
    const { clock, s } = make();
    s.upsert(monitor('x'));
    s.wake('x', T0 + 1000);
    s.wake('x', T0 + 2000);
    clock.now = T0 + 1500;
    expect(s.due().filter((i) => i.type === 'wake')).toEqual([]);
    clock.now = T0 + 2000;
    expect(s.due().filter((i) => i.type === 'wake')).toEqual([
      { type: 'wake', monitorId: 'x', at: T0 + 2000 },
    ]);
    s.wake('x', T0 + 3000);
    s.wake('x', null);
    clock.now = T0 + 4000;
    expect(s.due().filter((i) => i.type === 'wake')).toEqual([]);
  });

  it('paused monitors are not scheduled and take no dispatch; unpaused they start within a minute', () => {
    const { clock, s } = make();
    s.upsert(monitor('x', { paused: true }));
    expect(s.nextAt()).toBeNull();
    expect(
      s.enqueue({
        monitorId: 'x',
        round: { id: 'r', purpose: 'verify', size: 1 },
        regions: ['a'],
        at: T0,
        deadline: T0,
      }),
    ).toBe(false);
    s.setCadence('x', { kind: 'periodic', purpose: 'scheduled', every: M, fanout: 1 });
    expect(s.nextAt()).toBeNull();
    clock.now = T0 + 10 * M;
    s.upsert(monitor('x'));
    const next = s.nextAt()!;
    expect(next - clock.now).toBeLessThan(M);
  });

  it('pausing drops what was pending', () => {
    const { s } = make();
    s.upsert(monitor('x'));
    s.wake('x', T0 + 1000);
    s.enqueue({
      monitorId: 'x',
      round: { id: 'r', purpose: 'verify', size: 1 },
      regions: ['a'],
      at: T0,
      deadline: T0,
    });
    s.upsert(monitor('x', { paused: true }));
    expect(s.nextAt()).toBeNull();
    expect(s.stats().pending).toBe(0);
  });

  it('remove forgets a monitor entirely', () => {
    const { clock, s } = make();
    s.upsert(monitor('x'));
    s.upsert(monitor('y'));
    s.wake('x', T0 + 1);
    s.remove('x');
    const items = drive(clock, s, T0 + 3 * M);
    expect(items.every((i) => i.monitorId === 'y')).toBe(true);
    expect(s.stats().monitors).toBe(1);
  });

  it('an interval change moves the monitor to its new slots', () => {
    const { clock, s } = make();
    s.upsert(monitor('x'));
    drive(clock, s, T0 + 2 * M);
    s.upsert(monitor('x', { interval: 5 * M }));
    const rs = rounds(drive(clock, s, T0 + 30 * M));
    for (let i = 1; i < rs.length; i++) expect(rs[i]!.due - rs[i - 1]!.due).toBe(5 * M);
    expect((rs[0]!.due - slotOffset('x', 5 * M)) % (5 * M)).toBe(0);
  });

  it('after a restart (lastRoundAt) a monitor keeps its slots instead of an early first round', () => {
    const { s } = make();
    const slot = nextSlot(T0, 24 * 3_600_000, slotOffset('daily', 24 * 3_600_000));
    s.upsert(monitor('daily', { interval: 24 * 3_600_000, lastRoundAt: slot - 24 * 3_600_000 }));
    expect(s.nextAt()).toBe(slot);
    const fresh = make().s;
    fresh.upsert(monitor('daily', { interval: 24 * 3_600_000 }));
    expect(fresh.nextAt()! - T0).toBeLessThan(M);
  });

  it.each([
    ['interval 0', { interval: 0 }],
    ['negative interval', { interval: -5 }],
    ['NaN interval', { interval: Number.NaN }],
    ['negative timeout', { timeout: -1 }],
  ])('refuses a monitor with %s (VIGIL_SCHED_BAD_MONITOR)', (_l, over) => {
    const { s } = make();
    const err = (() => {
      try {
        s.upsert(monitor('x', over));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SchedulerError);
    expect((err as SchedulerError).code).toBe('VIGIL_SCHED_BAD_MONITOR');
    expect(s.stats().monitors).toBe(0);
  });

  it('refuses a periodic cadence without a period (VIGIL_SCHED_BAD_CADENCE)', () => {
    const { s } = make();
    s.upsert(monitor('x'));
    expect(() => s.setCadence('x', { kind: 'periodic', purpose: 'scheduled', every: 0, fanout: 1 })).toThrow(
      expect.objectContaining({ code: 'VIGIL_SCHED_BAD_CADENCE' }),
    );
  });
});
