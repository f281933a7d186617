import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, suggestDuration } from '../../schema/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['500ms', 500],
    ['30s', 30_000],
    ['1m', 60_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['1m30s500ms', 90_500],
    ['90s', 90_000],
    ['1ms', 1],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    '1',
    '60',
    '1d',
    '1.5s',
    '-1s',
    '30m1h',
    '1h1h',
    ' 1s',
    '1s ',
    '1 s',
    '1S',
    'ms',
    '99999999999999999999h',
  ])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [86_400_000, '24h'],
    [5_400_500, '1h30m500ms'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('refuses fractions and negatives', () => {
    expect(() => formatDuration(1.5)).toThrow(RangeError);
    expect(() => formatDuration(-1)).toThrow(RangeError);
  });

  it('round-trips every whole number of milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });

  it('is canonical: formatting a parsed duration gives one spelling per value', () => {
    fc.assert(
      fc.property(fc.nat(100), fc.nat(200), fc.nat(200), fc.nat(5000), (h, m, s, ms) => {
        const text = `${h}h${m}m${s}s${ms}ms`;
        const parsed = parseDuration(text)!;
        expect(formatDuration(parsed)).toBe(formatDuration(parseDuration(formatDuration(parsed))!));
      }),
    );
  });
});

describe('suggestDuration', () => {
  it.each([
    [60, '60s'],
    ['1 minute', '1m'],
    ['5 mins', '5m'],
    ['1d', '24h'],
    ['90sec', '1m30s'],
    ['2 hours', '2h'],
  ])('%j → %s', (input, suggestion) => {
    expect(suggestDuration(input)).toBe(suggestion);
  });

  it('says nothing for values with no plausible reading', () => {
    expect(suggestDuration('soon')).toBeNull();
    expect(suggestDuration(true)).toBeNull();
    expect(suggestDuration('30s')).toBeNull();
  });
});
