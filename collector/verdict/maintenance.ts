// Is an instant inside one of a monitor's maintenance windows?
//
// - Fixed window {start, end}: start <= at < end (ISO instants).
// - Cron window {cron, duration, timezone}: the latest cron occurrence at or before `at`,
//   evaluated in `timezone` (cron-parser, DST-aware), plus `duration`, is after `at`.
//   Windows longer than the cron period simply overlap.
//
// A window that cannot be evaluated (unparsable instant or cron: the loader rejects those, so this
// only happens with a hand-made spec) is treated as "not in maintenance": failing safe means
// alerting, never hiding an outage.
//
// API:
//   inMaintenance(windows, at) -> boolean

import { CronExpressionParser } from 'cron-parser';
import type { MaintenanceWindow } from '../../schema/types.ts';

export function inMaintenance(windows: readonly MaintenanceWindow[], at: number): boolean {
  for (const w of windows) {
    if ('cron' in w ? inCronWindow(w.cron, w.duration, w.timezone, at) : inFixedWindow(w.start, w.end, at))
      return true;
  }
  return false;
}

function inFixedWindow(start: string, end: string, at: number): boolean {
  const s = Date.parse(start);
  const e = Date.parse(end);
  if (Number.isNaN(s) || Number.isNaN(e)) return false;
  return s <= at && at < e;
}

function inCronWindow(cron: string, duration: number, timezone: string, at: number): boolean {
  if (!(duration > 0)) return false;
  try {
    // prev() is strictly before currentDate: start one ms later so an occurrence at `at` counts.
    const expr = CronExpressionParser.parse(cron, { currentDate: new Date(at + 1), tz: timezone || 'UTC' });
    const last = expr.prev().getTime();
    return at < last + duration;
  } catch {
    return false;
  }
}
