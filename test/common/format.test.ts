import { describe, expect, it } from 'vitest';
import { formatDurationForPeople } from '../../common/format.ts';

describe('durations for people', () => {
  it.each([
    [0, '0s'],
    [-5, '0s'],
    [250.4, '250ms'],
    [999.6, '1s'],
    [1500, '1.5s'],
    [9960, '10s'],
    [5000, '5s'],
    [45_900, '45s'],
    [200_000, '3m 20s'],
    [180_000, '3m'],
    [7_500_000, '2h 5m'],
    [7_200_000, '2h'],
    [97_200_000, '1d 3h'],
    [86_400_000 + 59_000, '1d'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatDurationForPeople(ms)).toBe(text);
  });
});
