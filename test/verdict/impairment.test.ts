import { describe, expect, it } from 'vitest';
import { ImpairmentDetector } from '../../collector/verdict/impairment.ts';

const T = Date.UTC(2024, 0, 1);
const M = 60_000;

/** Record one result per (monitor, region) at time `at`: `bad(monitor, region)` fails it. */
function observe(
  d: ImpairmentDetector,
  monitors: number,
  regions: string[],
  at: number,
  bad: (m: number, r: string) => boolean,
) {
  for (let m = 0; m < monitors; m++)
    for (const r of regions) d.record({ monitorId: `m${m}`, region: r, ok: !bad(m, r), at });
}

describe('ImpairmentDetector', () => {
  it('impairs a region failing for >= 80% of >= 5 monitors that succeed elsewhere, once', () => {
    const d = new ImpairmentDetector();
    observe(d, 10, ['a', 'b', 'c'], T, (m, r) => r === 'c' && m < 8);
    const events = d.evaluate(T + M);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'opened',
        kind: 'region',
        region: 'c',
        start: T,
        candidates: 10,
        failing: 8,
        ratio: 0.8,
        incidentId: `region:c:${T}`,
      }),
    ]);
    expect(events[0]!.monitors).toHaveLength(8);
    expect(d.impaired()).toEqual(['c']);
    expect(d.isImpaired('c')).toBe(true);
    // No second event while it stays broken.
    observe(d, 10, ['a', 'b', 'c'], T + 2 * M, (_m, r) => r === 'c');
    expect(d.evaluate(T + 2 * M)).toEqual([]);
  });

  it.each([
    ['79% failing', 100, (m: number) => m < 79],
    ['fewer than 5 failing monitors', 4, () => true],
  ])('does not impair with %s', (_l, monitors, failing) => {
    const d = new ImpairmentDetector();
    observe(d, monitors, ['a', 'b'], T, (m, r) => r === 'b' && failing(m));
    expect(d.evaluate(T + M)).toEqual([]);
    expect(d.impaired()).toEqual([]);
  });

  it('a real outage everywhere is not a region problem', () => {
    const d = new ImpairmentDetector();
    observe(d, 10, ['a', 'b', 'c'], T, () => true);
    expect(d.evaluate(T + M)).toEqual([]);
  });

  it('monitors checked from one region only are no evidence', () => {
    const d = new ImpairmentDetector();
    observe(d, 10, ['a'], T, () => true);
    expect(d.evaluate(T + M)).toEqual([]);
    expect(d.health(T + M)).toEqual([
      { region: 'a', impaired: false, since: null, candidates: 0, failing: 0, ratio: 0 },
    ]);
  });

  it('hysteresis: stays impaired between 50% and 80%, restored below 50% with one event', () => {
    const d = new ImpairmentDetector();
    observe(d, 10, ['a', 'b'], T, (_m, r) => r === 'b');
    expect(d.evaluate(T)).toHaveLength(1);
    observe(d, 10, ['a', 'b'], T + M, (m, r) => r === 'b' && m < 6);
    expect(d.evaluate(T + M)).toEqual([]);
    expect(d.isImpaired('b')).toBe(true);
    observe(d, 10, ['a', 'b'], T + 2 * M, (m, r) => r === 'b' && m < 4);
    const events = d.evaluate(T + 2 * M);
    expect(events).toEqual([
      // end: the last failing check seen in the region (4 monitors still failed there).
      expect.objectContaining({ type: 'resolved', region: 'b', start: T, end: T + 2 * M, ratio: 0.4 }),
    ]);
    expect(d.impaired()).toEqual([]);
    expect(d.health(T + 2 * M).find((h) => h.region === 'b')).toMatchObject({
      impaired: false,
      since: T + 2 * M,
    });
  });

  it('without fresh evidence an impaired region keeps its mark', () => {
    const d = new ImpairmentDetector({ windowMs: 5 * M });
    observe(d, 10, ['a', 'b'], T, (_m, r) => r === 'b');
    d.evaluate(T);
    expect(d.evaluate(T + 60 * M)).toEqual([]);
    expect(d.isImpaired('b')).toBe(true);
    expect(d.health(T + 60 * M)).toEqual([
      { region: 'b', impaired: true, since: T, candidates: 0, failing: 0, ratio: 0 },
    ]);
  });

  it('evidence older than the window is dropped', () => {
    const d = new ImpairmentDetector({ windowMs: 5 * M });
    observe(d, 10, ['a', 'b'], T, (_m, r) => r === 'b');
    expect(d.evaluate(T + 6 * M)).toEqual([]);
  });

  it('never impairs the last healthy region', () => {
    const d = new ImpairmentDetector();
    observe(d, 10, ['a', 'b'], T, (_m, r) => r === 'b');
    d.evaluate(T);
    expect(d.impaired()).toEqual(['b']);
    // Then b works and a fails everything: a is not impaired while b still carries the mark...
    observe(d, 10, ['a', 'b'], T + M, (_m, r) => r === 'a');
    expect(d.evaluate(T + M).map((e) => [e.type, e.region])).toEqual([['resolved', 'b']]);
    // ...and once b is healthy again, a can be.
    expect(d.evaluate(T + M).map((e) => [e.type, e.region])).toEqual([['opened', 'a']]);
  });

  it('keeps the latest result per (monitor, region), ignoring out-of-order older ones', () => {
    const d = new ImpairmentDetector();
    observe(d, 10, ['a', 'b'], T + M, () => false);
    observe(d, 10, ['a', 'b'], T, (_m, r) => r === 'b');
    expect(d.evaluate(T + M)).toEqual([]);
  });

  it('forgets deleted monitors', () => {
    const d = new ImpairmentDetector();
    observe(d, 5, ['a', 'b'], T, (_m, r) => r === 'b');
    d.forget('m0');
    expect(d.evaluate(T)).toEqual([]);
  });
});
