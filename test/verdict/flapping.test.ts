import { describe, expect, it } from 'vitest';
import { mulberry32, pickOne } from '../../collector/domain/regions.ts';
import { flappingScore, pushWindow } from '../../collector/verdict/flapping.ts';
import { Driver, makeSpec, REGIONS4 } from './driver.ts';
import { ISSUE_CHANGES, withChangesAt } from './reach.ts';

describe('flapping score', () => {
  it("scores the issue's example 46.0 exactly (oldest i = 1, change at i = differs from i - 1)", () => {
    const outcomes = withChangesAt(21, ISSUE_CHANGES);
    expect(outcomes.filter((o) => !o)).toHaveLength(5);
    expect(flappingScore(outcomes, 21)).toBe(46);
  });

  it('the other readings of the formula do not give 46.0', () => {
    const sum = (ws: number[]) => ws.reduce((a, b) => a + b, 0);
    // equal weights
    expect((100 * ISSUE_CHANGES.length) / 20).toBe(45);
    // weight of the earlier check of each pair
    expect(Math.round(sum(ISSUE_CHANGES.map((i) => 78 + 2 * (i - 1)))) / 20).toBeCloseTo(45.1, 10);
    // dividing by n instead of n - 1
    expect(sum(ISSUE_CHANGES.map((i) => 78 + 2 * i)) / 21).toBeCloseTo(43.81, 2);
    // newest i = 1
    expect(sum(ISSUE_CHANGES.map((i) => 78 + 2 * (22 - i))) / 20).toBeCloseTo(44.0, 10);
  });

  it.each([
    ['no change', [], 0],
    ['one change at the newest check', [21], 1.2 * 5],
    ['one change at the second check', [2], 0.82 * 5],
    ['every check changes', Array.from({ length: 20 }, (_, k) => k + 2), 101],
  ])('%s', (_label, changes, expected) => {
    expect(flappingScore(withChangesAt(21, changes as number[]), 21)).toBeCloseTo(expected as number, 10);
  });

  it('is null until the window is full, and looks at the last `window` outcomes only', () => {
    expect(flappingScore([true, false, true], 21)).toBeNull();
    expect(flappingScore(withChangesAt(20, [3]), 21)).toBeNull();
    const older = [false, true, false, true];
    expect(flappingScore([...older, ...withChangesAt(21, ISSUE_CHANGES)], 21)).toBe(46);
  });

  it('pushWindow keeps the newest `window` entries', () => {
    let w: ReturnType<typeof pushWindow> = [];
    for (let i = 0; i < 30; i++)
      w = pushWindow(w, { ok: i % 2 === 0, at: i, reason: null, jobId: `j${i}` }, 21);
    expect(w).toHaveLength(21);
    expect(w[0]!.at).toBe(9);
    expect(w[20]!.at).toBe(29);
  });
});

/** Regions r1..r4 in turn; failures fail only from the scheduled region, verification passes. */
const rotate = (i: number) => REGIONS4[i % 4]!;

describe('flapping in the state machine', () => {
  it("the issue's example: 21 checks changing at 3, 4, 8, 9, 13, 14, 18, 19, 21 -> flapping at 46.0", () => {
    const d = new Driver(makeSpec());
    const outcomes = withChangesAt(21, ISSUE_CHANGES);
    d.run(outcomes.slice(0, 20), rotate, () => true);
    // Before the window is full there is no score; each failure was verified and unconfirmed.
    expect(d.name).toBe('up');
    expect(d.state.score).toBeNull();
    expect(d.marks.map((m) => m.mark)).toEqual(['unconfirmed', 'unconfirmed', 'unconfirmed', 'unconfirmed']);
    const { out } = d.scheduled(rotate(20), outcomes[20]!);
    expect(d.state.score).toBe(46);
    expect(d.name).toBe('flapping');
    // Entering flapping does not verify: the flapping incident is the alert.
    expect(out.dispatch).toEqual([]);
    const [opened] = d.eventsOf('opened', 'flapping');
    expect(opened).toMatchObject({ cause: 'flapping', score: 46, failedChecks: 5 });
    // Starts at the earliest failing check in the window (check 3), last failure = check 21.
    expect(opened!.start).toBe(d.state.window[2]!.at);
    expect(opened!.lastFailure).toBe(d.state.window[20]!.at);
    expect(d.eventsOf('opened', 'down')).toEqual([]);
  });

  it('1-of-3 bad backend behind a round-robin load balancer -> flapping, never down', () => {
    // The LB hands requests to backends A, B, C in turn; C answers 502. Other clients' traffic
    // moves the LB between our scheduled checks (so those land on a random backend), while the
    // three parallel verification requests arrive together and take three consecutive slots:
    // exactly one of them hits C. The quorum therefore never confirms (2 failing of 4), and the
    // scheduled checks fail about one time in three, which scores about 45.
    let flapped = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rng = mulberry32(seed);
      const d = new Driver(makeSpec());
      let slot = 0;
      const lb = () => slot++ % 3 !== 2;
      let previous: string | null = null;
      for (let k = 0; k < 60; k++) {
        slot += Math.floor(rng() * 1000);
        previous = pickOne(REGIONS4, previous, rng);
        d.scheduled(previous!, lb(), { reason: 'status' });
        while (d.open.length > 0) d.answer(d.open[0]!.region, lb());
        d.advance(60_000);
      }
      expect(d.eventsOf('opened', 'down')).toEqual([]);
      expect(d.transitions.some((t) => t.to === 'down')).toBe(false);
      if (d.eventsOf('opened', 'flapping').length > 0) flapped++;
    }
    // Nearly every hour-long run flaps (the score can sit outside [25, 50] for a whole hour).
    expect(flapped).toBeGreaterThanOrEqual(36);
  });

  it('the same LB as seen by one fixed seed: flapping after the window fills, and staying there', () => {
    const rng = mulberry32(3);
    const d = new Driver(makeSpec());
    let slot = 0;
    const lb = () => slot++ % 3 !== 2;
    let previous: string | null = null;
    const states: string[] = [];
    for (let k = 0; k < 40; k++) {
      slot += Math.floor(rng() * 1000);
      previous = pickOne(REGIONS4, previous, rng);
      d.scheduled(previous!, lb());
      while (d.open.length > 0) d.answer(d.open[0]!.region, lb());
      states.push(d.name);
      d.advance(60_000);
    }
    expect(states.slice(0, 20).every((s) => s === 'up')).toBe(true);
    const first = states.indexOf('flapping');
    expect(first).toBeGreaterThanOrEqual(20);
    // From then on it stays flapping (failures above high are verified and voted down).
    expect(states.slice(first).every((s) => s === 'flapping')).toBe(true);
    expect(d.eventsOf('opened', 'down')).toEqual([]);
    expect(d.eventsOf('opened', 'flapping')).toHaveLength(1);
  });
});

/** A driver already flapping: the issue's example, then `extra` more scheduled outcomes. */
function flapping(verify: (region: string) => boolean = () => true): Driver {
  const d = new Driver(makeSpec());
  d.run(withChangesAt(21, ISSUE_CHANGES), rotate, verify);
  expect(d.name).toBe('flapping');
  return d;
}

describe('flapping transitions', () => {
  // After the example (check 21 failed, score 46.0): one more failure keeps the score in the band
  // (45.1); a success instead raises it to 51.1, and a failure after that to 52.1.

  it('flapping + failure with the score in the band: stays flapping, ongoing, no verification', () => {
    const d = flapping();
    const { out } = d.advance(60_000).scheduled('r2', false);
    expect(d.state.score).toBeCloseTo(45.1, 10);
    expect(d.name).toBe('flapping');
    expect(out.dispatch).toEqual([]);
    expect(out.events).toEqual([
      expect.objectContaining({ type: 'ongoing', kind: 'flapping', cause: 'failing' }),
    ]);
  });

  it('flapping + success above high: stays flapping (down is never declared on a success)', () => {
    const d = flapping();
    const { out } = d.advance(60_000).scheduled('r1', true);
    expect(d.state.score).toBeCloseTo(51.1, 10);
    expect(d.name).toBe('flapping');
    expect(out.dispatch).toEqual([]);
    expect(out.events).toEqual([]);
  });

  it('flapping + failure above high, confirmed by the quorum -> down (escalated)', () => {
    const d = flapping();
    d.advance(60_000).scheduled('r1', true);
    const { vote, out } = d.advance(60_000).scheduled('r4', false, { reason: 'timeout' });
    expect(d.state.score).toBeCloseTo(52.1, 10);
    expect(d.name).toBe('verifying');
    expect([...out.dispatch[0]!.regions].sort()).toEqual(['r1', 'r2', 'r3']);
    expect(out.cadence).toEqual({ kind: 'hold' });
    d.answer('r1', false);
    d.answer('r2', false);
    expect(d.name).toBe('down');
    const last = d.last.events;
    expect(last.map((e) => [e.type, e.kind, e.cause])).toEqual([
      ['resolved', 'flapping', 'escalated'],
      ['opened', 'down', 'escalated'],
    ]);
    expect(last[0]!.end).toBe(vote.at);
    expect(last[1]).toMatchObject({ start: vote.at, reason: 'timeout', firstJobId: vote.jobId });
  });

  it('flapping + failure above high, not confirmed -> back to flapping, failure unconfirmed', () => {
    const d = flapping();
    d.advance(60_000).scheduled('r1', true);
    const { vote } = d.advance(60_000).scheduled('r4', false);
    expect(d.name).toBe('verifying');
    d.answer('r1', true);
    d.answer('r2', true);
    expect(d.name).toBe('flapping');
    expect(d.marks[d.marks.length - 1]).toEqual({ jobId: vote.jobId, mark: 'unconfirmed' });
    expect(d.state.incident?.kind).toBe('flapping');
    expect(d.state.incident?.lastFailure).toBe(vote.at);
    expect(d.eventsOf('resolved')).toEqual([]);
    expect(d.last.cadence).toMatchObject({ kind: 'periodic', purpose: 'scheduled' });
  });

  it('flapping -> up when the score drops below low on a success', () => {
    const d = flapping();
    let n = 0;
    while (d.name === 'flapping' && n < 30) {
      d.advance(60_000).scheduled(rotate(n), true);
      n++;
    }
    expect(d.name).toBe('up');
    expect(d.state.score).toBeLessThan(25);
    const [resolved] = d.eventsOf('resolved', 'flapping');
    expect(resolved).toMatchObject({
      cause: 'recovered',
      end: d.state.window.filter((e) => !e.ok).at(-1)?.at,
    });
  });

  it('a site that goes hard down while flapping: below low on a failure -> verification -> down', () => {
    const d = flapping();
    let n = 0;
    while (d.name === 'flapping' && n < 30) {
      d.advance(60_000).scheduled(rotate(n), false);
      n++;
    }
    expect(d.name).toBe('verifying');
    expect(d.state.score).toBeLessThan(25);
    expect(d.eventsOf('resolved', 'flapping')[0]).toMatchObject({ cause: 'settled' });
    for (const r of d.openRegions()) if (d.name === 'verifying') d.answer(r, false);
    expect(d.name).toBe('down');
    expect(d.eventsOf('opened', 'down')[0]).toMatchObject({ cause: 'confirmed' });
  });

  it('down never enters flapping, whatever the score', () => {
    const d = flapping();
    d.advance(60_000).scheduled('r1', true);
    d.advance(60_000).scheduled('r4', false);
    for (const r of d.openRegions()) if (d.name === 'verifying') d.answer(r, false);
    expect(d.name).toBe('down');
    // Late scheduled results while down are not in the window and do not move the state.
    const windowBefore = d.state.window;
    d.advance(1000).scheduled('r2', true);
    expect(d.name).toBe('down');
    expect(d.state.window).toEqual(windowBefore);
    for (let k = 0; k < 5; k++) {
      const round = d.advance(60_000).downRound(4);
      for (const r of REGIONS4) if (d.name === 'down') d.vote(round, r, k % 2 === 0);
    }
    expect(d.transitions.filter((t) => t.to === 'flapping')).toHaveLength(1);
  });

  it('up with a score above high stays up and verifies its failures as usual', () => {
    const d = new Driver(makeSpec());
    // ok/fail alternating: every check changes (score 101 once the window is full).
    d.run(
      Array.from({ length: 21 }, (_, i) => i % 2 === 0),
      rotate,
      () => true,
    );
    expect(d.state.score).toBeGreaterThan(50);
    expect(d.name).toBe('up');
    expect(d.eventsOf('opened')).toEqual([]);
  });

  it('flapping: false never flaps and keeps no window', () => {
    const d = new Driver(makeSpec({ flapping: false }));
    d.run(withChangesAt(21, ISSUE_CHANGES), rotate, () => true);
    expect(d.name).toBe('up');
    expect(d.state.window).toEqual([]);
    expect(d.state.score).toBeNull();
  });

  it('low: 0 does not make a stable monitor flap', () => {
    const d = new Driver(makeSpec({ flapping: { window: 5, low: 0, high: 50 } }));
    d.run([true, true, true, true, true, true], rotate, () => true);
    expect(d.state.score).toBe(0);
    expect(d.name).toBe('up');
  });

  it('a smaller window from a spec change trims the kept outcomes', () => {
    const d = new Driver(makeSpec());
    d.run(withChangesAt(21, [2, 5]), rotate, () => true);
    d.spec = makeSpec({ flapping: { window: 5, low: 25, high: 50 } });
    d.tick();
    expect(d.state.window).toHaveLength(5);
  });
});
