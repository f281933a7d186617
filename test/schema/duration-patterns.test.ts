// The range patterns the schema carries for editors: exact on carried spellings (every unit after
// the first below its carry), and on the others lenient (accepted: no false error) or strict
// (rejected: safe as an `if`). Checked against parseDuration over generated spellings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, parseDuration } from '../../schema/duration.ts';
import { durationRangePattern, numberRange, type PatternRange } from '../../schema/duration-patterns.ts';
import { DURATION_RANGES } from '../../schema/limits.ts';

const CARRY: Record<string, number> = { m: 60, s: 60, ms: 1000 };

/** True when every unit after the first written one is below its carry. */
function carried(text: string): boolean {
  if (text === '0') return true;
  const parts = [...text.matchAll(/([0-9]+)(h|ms|m|s)/g)];
  return parts.slice(1).every(([, digits, unit]) => Number(digits) < (CARRY[unit as string] as number));
}

const count = fc.oneof(
  fc.integer({ min: 0, max: 3 }),
  fc.integer({ min: 0, max: 70 }),
  fc.integer({ min: 0, max: 1200 }),
  fc.integer({ min: 0, max: 700_000_000 }),
);
/** Grammar-valid spellings: units in order, each optional, some with leading zeros. */
const spelling = fc
  .record({
    h: fc.option(count),
    m: fc.option(count),
    s: fc.option(count),
    ms: fc.option(count),
    zeros: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ zeros, ...units }) => {
    const text = Object.entries(units)
      .filter(([, n]) => n !== null)
      .map(([unit, n]) => `${'0'.repeat(zeros)}${n}${unit}`)
      .join('');
    return text === '' ? '0' : text;
  });

function inRanges(ms: number, ranges: readonly PatternRange[]): boolean {
  return ranges.some((r) => ms >= r.min && ms <= r.max);
}

function rangesOf(range: (typeof DURATION_RANGES)[number]): PatternRange[] {
  return range.zeroAllowed && range.min > 0
    ? [{ min: 0, max: 0 }, range]
    : [{ min: range.min, max: range.max }];
}

function agree(ranges: readonly PatternRange[], text: string): void {
  const ms = parseDuration(text);
  if (ms === null) return;
  const lenient = new RegExp(durationRangePattern(ranges, 'lenient'), 'u');
  const strict = new RegExp(durationRangePattern(ranges, 'strict'), 'u');
  const ok = inRanges(ms, ranges);
  expect(DURATION_PATTERN.test(text), text).toBe(true);
  expect(lenient.test(text), `lenient ${text} (${ms} ms)`).toBe(ok || !carried(text));
  expect(strict.test(text), `strict ${text} (${ms} ms)`).toBe(ok && carried(text));
}

describe('numberRange', () => {
  it('matches exactly the numbers of its range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 200_000 }),
        (a, b, n) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const re = new RegExp(`^${numberRange(lo, hi)}$`);
          expect(re.test(String(n)), `${n} in ${lo}..${hi}`).toBe(n >= lo && n <= hi);
        },
      ),
      { numRuns: 3000 },
    );
    expect(new RegExp(`^${numberRange(60, Number.POSITIVE_INFINITY)}$`).test('59')).toBe(false);
    expect(new RegExp(`^${numberRange(60, Number.POSITIVE_INFINITY)}$`).test('123456789')).toBe(true);
  });
});

describe('durationRangePattern', () => {
  it('agrees with parseDuration for every range of the language', () => {
    for (const range of DURATION_RANGES) {
      const ranges = rangesOf(range);
      const edges = [range.min, range.max].flatMap((v) => [v - 1, v, v + 1]).filter((v) => v >= 0);
      for (const ms of edges) {
        // The same value in each unit that divides it, and as a carried mix.
        for (const [unit, size] of [
          ['ms', 1],
          ['s', 1000],
          ['m', 60_000],
          ['h', 3_600_000],
        ] as const) {
          if (ms % size === 0) agree(ranges, `${ms / size}${unit}`);
        }
      }
      fc.assert(
        fc.property(spelling, (text) => agree(ranges, text)),
        { numRuns: 1500 },
      );
    }
  });

  it('agrees with parseDuration for random ranges', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200_000_000 }),
        fc.integer({ min: 0, max: 200_000_000 }),
        fc.array(spelling, { minLength: 20, maxLength: 20 }),
        (a, b, texts) => {
          const range = { min: Math.min(a, b), max: Math.max(a, b) };
          for (const text of texts) agree([range], text);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers at once on long hostile input', () => {
    const pattern = new RegExp(
      durationRangePattern(
        [
          { min: 0, max: 0 },
          { min: 300_000, max: 604_800_000 },
        ],
        'lenient',
      ),
      'u',
    );
    for (const text of ['0'.repeat(50_000), `1h${'0'.repeat(50_000)}x`, `${'9'.repeat(50_000)}s1`]) {
      expect(pattern.test(text)).toBe(false);
    }
  });
});
