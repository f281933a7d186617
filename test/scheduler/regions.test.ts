import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSetAside,
  monitorRegions,
  mulberry32,
  noRunnerMessage,
  pickMany,
  pickOne,
  votingRegions,
} from '../../collector/domain/regions.ts';

describe('region choice', () => {
  it('monitorRegions: configured ∩ live, null = every live region', () => {
    expect(monitorRegions(['eu', 'us', 'ap'], ['us', 'eu', 'local'])).toEqual(['us', 'eu']);
    expect(monitorRegions(null, ['us', 'eu'])).toEqual(['us', 'eu']);
    expect(monitorRegions(['ap'], ['us'])).toEqual([]);
  });

  it('votingRegions drops impaired regions unless nothing would be left', () => {
    expect(votingRegions(['a', 'b', 'c'], { live: ['a', 'b', 'c'], impaired: ['b'] })).toEqual(['a', 'c']);
    expect(votingRegions(['b'], { live: ['a', 'b'], impaired: ['b'] })).toEqual(['b']);
  });

  it('isSetAside only when the monitor has a healthy alternative', () => {
    expect(isSetAside('b', ['a', 'b'], { live: ['a', 'b'], impaired: ['b'] })).toBe(true);
    expect(isSetAside('b', ['b'], { live: ['a', 'b'], impaired: ['b'] })).toBe(false);
    expect(isSetAside('a', ['a', 'b'], { live: ['a', 'b'], impaired: ['b'] })).toBe(false);
  });

  it('pickOne never repeats the previous region when two or more are live', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer(), (n, seed) => {
        const regions = Array.from({ length: n }, (_, i) => `r${i}`);
        const rng = mulberry32(seed);
        let previous: string | null = null;
        const seen = new Set<string>();
        for (let i = 0; i < 200; i++) {
          const r: string = pickOne(regions, previous, rng)!;
          expect(r).not.toBe(previous);
          seen.add(r);
          previous = r;
        }
        // ...and still uses them all.
        expect(seen.size).toBe(n);
      }),
    );
  });

  it('pickOne with one region repeats it; with none gives null', () => {
    const rng = mulberry32(1);
    expect(pickOne(['eu'], 'eu', rng)).toBe('eu');
    expect(pickOne([], null, rng)).toBeNull();
  });

  it('pickOne is uniform among the allowed regions', () => {
    const rng = mulberry32(9);
    const counts = new Map<string, number>();
    for (let i = 0; i < 30_000; i++) {
      const r = pickOne(['a', 'b', 'c', 'd'], 'a', rng)!;
      counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    expect(counts.get('a')).toBeUndefined();
    for (const r of ['b', 'c', 'd']) expect(Math.abs(counts.get(r)! - 10_000)).toBeLessThan(600);
  });

  it('pickMany picks k distinct regions (all when k >= length)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer(),
        (n, k, seed) => {
          const regions = Array.from({ length: n }, (_, i) => `r${i}`);
          const picked = pickMany(regions, k, mulberry32(seed));
          expect(picked).toHaveLength(Math.min(n, k));
          expect(new Set(picked).size).toBe(picked.length);
          for (const r of picked) expect(regions).toContain(r);
        },
      ),
    );
  });

  it('an rng returning exactly 1 stays in range', () => {
    expect(pickOne(['a', 'b'], null, () => 1)).toBe('b');
    expect(pickMany(['a', 'b', 'c'], 2, () => 1)).toHaveLength(2);
  });

  it.each([
    [['eu', 'us'], 'no runner in regions eu, us'],
    [['eu'], 'no runner in region eu'],
    [null, 'no runner in any region'],
  ] as const)('noRunnerMessage(%j)', (regions, text) => {
    expect(noRunnerMessage(regions)).toBe(text);
  });
});
