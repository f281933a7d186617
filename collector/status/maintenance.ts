// Maintenance windows as people read them: the one going on now and the ones coming up within
// the look-ahead (MAINTENANCE_HORIZON_MS, 7 days), per monitor, for GET /v1/status and the page.
// Pure in `now`: the same windows and the same `now` give the same answer (tested table-driven).
//
// Occurrences are enumerated like collector/rollups/maintenance.ts (cron in its time zone,
// DST-aware, plus its duration; fixed windows as written) but never clipped: an ongoing window
// shows its real start and end. Overlapping or touching occurrences are one window (the monitor
// is in maintenance the whole time). Evaluating a cron costs about a quarter of a millisecond per
// occurrence, so `MaintenanceCalendar` computes a monitor's occurrences once for a day ahead of
// the look-ahead and answers later builds from them until the windows change or the day is used.
//
// API:
//   maintenanceOccurrences(windows, from, to) -> { spans, coveredTo }
//   maintenanceAt(spans, now, horizonMs?) -> { ongoing, next, upcoming }
//   class MaintenanceCalendar { of(key, windows, now) }

import { CronExpressionParser } from 'cron-parser';
import type { MaintenanceWindow } from '../../schema/types.ts';
import { normalize, type Span } from '../rollups/spans.ts';
import { DAY_MS } from '../rollups/uptime.ts';

/** How far ahead "upcoming" looks. */
export const MAINTENANCE_HORIZON_MS = 7 * DAY_MS;
/** Occurrences of one cron window per computation; more frequent windows are listed only that far. */
export const MAX_OCCURRENCES = 500;

export interface WindowTimes {
  /** ISO 8601. */
  start: string;
  end: string;
}

export interface MaintenanceNow {
  /** The window the monitor is in now (start <= now < end), null when none. */
  ongoing: WindowTimes | null;
  /** The next window starting after now within the look-ahead, null when none. */
  next: WindowTimes | null;
  /** Every window starting after now within the look-ahead, soonest first. */
  upcoming: WindowTimes[];
}

export const NO_MAINTENANCE: MaintenanceNow = Object.freeze({ ongoing: null, next: null, upcoming: [] });

/**
 * The windows' occurrences overlapping [from, to), merged, unclipped. `coveredTo` is `to`, or
 * earlier when a cron window had more than MAX_OCCURRENCES there: nothing is known after it.
 */
export function maintenanceOccurrences(
  windows: readonly MaintenanceWindow[],
  from: number,
  to: number,
): { spans: Span[]; coveredTo: number } {
  const spans: Span[] = [];
  let coveredTo = to;
  for (const w of windows) {
    if (!('cron' in w)) {
      const start = Date.parse(w.start);
      const end = Date.parse(w.end);
      if (!Number.isNaN(start) && !Number.isNaN(end) && end > from && start < to) spans.push({ start, end });
      continue;
    }
    if (!(w.duration > 0)) continue;
    let expression: ReturnType<typeof CronExpressionParser.parse>;
    try {
      // next() is strictly after currentDate: 1 ms earlier includes an occurrence exactly there.
      expression = CronExpressionParser.parse(w.cron, {
        currentDate: new Date(from - w.duration - 1),
        endDate: new Date(to),
        tz: w.timezone || 'UTC',
      });
    } catch {
      // Unparsable (the loader refuses these): no maintenance, like the verdict.
      continue;
    }
    for (let i = 0; ; i++) {
      if (!expression.hasNext()) break;
      const start = expression.next().getTime();
      if (start >= to) break;
      if (i === MAX_OCCURRENCES) {
        coveredTo = Math.min(coveredTo, start);
        break;
      }
      spans.push({ start, end: start + w.duration });
    }
  }
  return { spans: normalize(spans), coveredTo };
}

const times = (s: Span): WindowTimes => ({
  start: new Date(s.start).toISOString(),
  end: new Date(s.end).toISOString(),
});

/** What merged occurrences mean at `now`: the ongoing window and those starting within the look-ahead. */
export function maintenanceAt(
  spans: readonly Span[],
  now: number,
  horizonMs: number = MAINTENANCE_HORIZON_MS,
): MaintenanceNow {
  let ongoing: WindowTimes | null = null;
  const upcoming: WindowTimes[] = [];
  for (const s of spans) {
    if (s.start <= now && now < s.end) ongoing = times(s);
    else if (s.start > now && s.start <= now + horizonMs) upcoming.push(times(s));
  }
  if (ongoing === null && upcoming.length === 0) return NO_MAINTENANCE;
  return { ongoing, next: upcoming[0] ?? null, upcoming };
}

interface Cached {
  key: string;
  from: number;
  validUntil: number;
  spans: Span[];
}

/** Per monitor (by `key`, its lineage): occurrences computed once a day, answers at any `now`. */
export class MaintenanceCalendar {
  readonly #cache = new Map<number, Cached>();

  of(historyId: number, windows: readonly MaintenanceWindow[], now: number): MaintenanceNow {
    if (windows.length === 0) {
      this.#cache.delete(historyId);
      return NO_MAINTENANCE;
    }
    const key = JSON.stringify(windows);
    let cached = this.#cache.get(historyId);
    if (cached === undefined || cached.key !== key || now < cached.from || now > cached.validUntil) {
      // Occurrences that started up to their duration before `from` are enumerated too, so
      // computing from now serves every later `now` as well.
      const from = now;
      const to = now + MAINTENANCE_HORIZON_MS + DAY_MS;
      const { spans, coveredTo } = maintenanceOccurrences(windows, from, to);
      // Answers stay whole while now + look-ahead is within what was computed; a truncated
      // (very frequent) cron is recomputed halfway to where it was cut.
      const validUntil =
        coveredTo === to ? to - MAINTENANCE_HORIZON_MS : now + Math.max(0, (coveredTo - now) / 2);
      cached = { key, from, validUntil, spans };
      this.#cache.set(historyId, cached);
    }
    return maintenanceAt(cached.spans, now);
  }

  /** Forgets monitors no longer in the catalog. */
  retain(historyIds: ReadonlySet<number>): void {
    for (const id of this.#cache.keys()) if (!historyIds.has(id)) this.#cache.delete(id);
  }
}
