// Duration ranges (the schema can only say "a duration") and `timeout` shorter than `interval`.
// A duration too large to be counted exactly in ms (above 2^53) is out of every range: it is
// reported here, so normalization only ever sees durations it can hold.

import { formatPath, type PathSegment } from '../diagnostics.ts';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../duration.ts';
import { DURATION_RANGES, type DurationRange } from '../limits.ts';
import { valueAt } from '../locator.ts';
import { BUILTIN_DEFAULTS } from '../normalize.ts';
import type { MonitorRule } from './context.ts';

/** Every duration field within its range. */
export const checkDurationRanges: MonitorRule = (monitor, report) => {
  for (const range of DURATION_RANGES) {
    for (const path of expand(monitor, range.field.split('.'))) {
      const value = valueAt(monitor, path);
      const ms = msOf(value) ?? (isDurationText(value) ? Number.POSITIVE_INFINITY : null);
      if (ms === null || inRange(ms, range)) continue;
      const text = Number.isFinite(ms) ? formatDuration(ms) : shortened(value as string);
      const tooShort = ms < range.min;
      report({
        code: 'duration_out_of_range',
        path,
        message: `\`${formatPath(path)}\` ${text} is too ${tooShort ? 'short' : 'long'}; it must be ${describeRange(range)}`,
        hint: tooShort
          ? `use at least ${formatDuration(range.min)}${range.zeroAllowed && range.min > 0 ? ', or 0 to turn it off' : ''}`
          : `use at most ${formatDuration(range.max)}`,
      });
    }
  }
};

/** `timeout` shorter than `interval` (the built-in interval when none is written). */
export const checkTimeoutBelowInterval: MonitorRule = (monitor, report) => {
  const interval =
    msOf(monitor.interval) ?? (monitor.interval === undefined ? BUILTIN_DEFAULTS.interval : null);
  const timeout = msOf(monitor.timeout);
  if (interval !== null && timeout !== null && timeout >= interval) {
    report({
      code: 'timeout_not_below_interval',
      path: ['timeout'],
      message: `\`timeout\` ${formatDuration(timeout)} must be shorter than \`interval\` ${formatDuration(interval)}`,
      hint: `lower \`timeout\` below ${formatDuration(interval)}, or raise \`interval\``,
    });
  }
};

/** `0 or 5m..168h`, `30s..24h`. */
export function describeRange(range: DurationRange): string {
  const span = `${range.min === 0 ? '0' : formatDuration(range.min)}..${formatDuration(range.max)}`;
  return range.zeroAllowed && range.min > 0 ? `0 or ${span}` : span;
}

function inRange(ms: number, range: DurationRange): boolean {
  return (range.zeroAllowed && ms === 0) || (ms >= range.min && ms <= range.max);
}

/** Written as a duration (the schema accepts it) whatever its size. */
function isDurationText(value: unknown): value is string {
  return typeof value === 'string' && DURATION_PATTERN.test(value);
}

/** A huge duration as written, cut short for a message. */
function shortened(text: string): string {
  return text.length > 40 ? `${text.slice(0, 20)}…${text.slice(-12)}` : text;
}

function msOf(value: unknown): number | null {
  if (value === 0) return 0;
  return typeof value === 'string' ? parseDuration(value) : null;
}

/** Paths matching a field pattern where `*` is every index of a list. */
function expand(root: unknown, pattern: string[]): PathSegment[][] {
  let paths: PathSegment[][] = [[]];
  for (const part of pattern) {
    const next: PathSegment[][] = [];
    for (const path of paths) {
      if (part === '*') {
        const list = valueAt(root, path);
        if (Array.isArray(list))
          for (let index = 0; index < list.length; index++) next.push([...path, index]);
      } else {
        next.push([...path, part]);
      }
    }
    paths = next;
  }
  return paths;
}
