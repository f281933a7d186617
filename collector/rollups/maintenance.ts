// Maintenance windows of a monitor as spans of time, for excluding them from uptime.
// Fixed windows are their [start, end); a cron window is every occurrence of its cron expression
// (in its time zone, DST-aware, like collector/verdict/maintenance.ts) plus its duration.
// Occurrences are enumerated over [from, to) only; callers keep ranges short (the span job
// materializes a few minutes at a time, the live tail is since the last materialization).
//
// API:
//   maintenanceSpans(windows, from, to) -> normalized spans clipped to [from, to)

import { CronExpressionParser } from 'cron-parser';
import type { MaintenanceWindow } from '../../schema/types.ts';
import { clip, type Span } from './spans.ts';

/** Guard against a pathological cron over a long range: later occurrences are not excluded (fail safe). */
const MAX_OCCURRENCES = 50_000;

export function maintenanceSpans(windows: readonly MaintenanceWindow[], from: number, to: number): Span[] {
  if (to <= from) return [];
  const spans: Span[] = [];
  for (const window of windows) {
    if ('cron' in window) cronSpans(window.cron, window.duration, window.timezone, from, to, spans);
    else {
      const start = Date.parse(window.start);
      const end = Date.parse(window.end);
      if (!Number.isNaN(start) && !Number.isNaN(end)) spans.push({ start, end });
    }
  }
  return clip(spans, from, to);
}

function cronSpans(
  cron: string,
  duration: number,
  timezone: string,
  from: number,
  to: number,
  out: Span[],
): void {
  if (!(duration > 0)) return;
  let expression: ReturnType<typeof CronExpressionParser.parse>;
  try {
    // An occurrence up to `duration` before `from` still covers part of the range. next() is
    // strictly after currentDate, so start 1 ms earlier to include an occurrence exactly there.
    expression = CronExpressionParser.parse(cron, {
      currentDate: new Date(from - duration - 1),
      endDate: new Date(to),
      tz: timezone || 'UTC',
    });
  } catch {
    // Unparsable (the loader rejects these): fail safe, no maintenance, like the verdict.
    return;
  }
  for (let i = 0; i < MAX_OCCURRENCES; i++) {
    if (!expression.hasNext()) return;
    const start = expression.next().getTime();
    if (start >= to) return;
    out.push({ start, end: start + duration });
  }
}
