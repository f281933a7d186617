import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failingMajority, succeedingMajority } from '../../collector/verdict/quorum.ts';

describe('majority arithmetic', () => {
  it.each([
    // fails, oks, pending, outcome
    [1, 0, 3, 'open'],
    [2, 0, 2, 'open'],
    [3, 0, 1, 'yes'],
    [1, 2, 1, 'no'],
    [2, 1, 1, 'open'],
    [2, 2, 0, 'no'],
    [3, 1, 0, 'yes'],
    [1, 0, 0, 'yes'],
    [0, 0, 0, 'no'],
  ] as const)('fails %i, oks %i, pending %i -> %s', (fails, oks, pending, outcome) => {
    expect(failingMajority(fails, oks, pending)).toBe(outcome);
  });

  it('with nothing pending it is exactly "more than half of the votes cast"', () => {
    fc.assert(
      fc.property(fc.nat(20), fc.nat(20), (fails, oks) => {
        expect(failingMajority(fails, oks, 0)).toBe(fails * 2 > fails + oks ? 'yes' : 'no');
      }),
    );
  });

  it('an early answer agrees with every way the pending jobs can end (fail, succeed, missed)', () => {
    fc.assert(
      fc.property(fc.nat(6), fc.nat(6), fc.nat(5), (fails, oks, pending) => {
        const early = failingMajority(fails, oks, pending);
        if (early === 'open') return;
        for (let f = 0; f <= pending; f++)
          for (let o = 0; o + f <= pending; o++) {
            const final = failingMajority(fails + f, oks + o, 0);
            expect(final).toBe(early);
          }
      }),
    );
  });

  it('succeedingMajority is the mirror', () => {
    expect(succeedingMajority(3, 1, 0)).toBe('yes');
    expect(succeedingMajority(2, 2, 0)).toBe('no');
    expect(succeedingMajority(2, 1, 1)).toBe('open');
  });
});
