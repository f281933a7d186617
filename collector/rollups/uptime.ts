// Time-based uptime: the share of a window NOT covered by confirmed downtime, counting only time
// since the monitor's first result (before it there is no data: neither up nor down) that was
// neither paused nor in maintenance.
//
//   counted  = [max(window start, first result), window end) − maintenance − paused
//   down     = confirmed downtime ∩ counted
//   uptime   = 1 − down / counted            (null when nothing was counted)
//
// Confirmed downtime is a `down` incident from its first failing check to its last failing check
// (the verdict's confirmation); an open incident runs until `now`. Unconfirmed failures, flapping and
// missed checks never make downtime: only the verdict's confirmation does. Pure: `now` comes in.
//
// API:
//   UPTIME_WINDOWS, type UptimeWindow ('24h' | '7d' | '30d' | '90d')
//   interface DowntimeIncident { kind; start; end | null }
//   downtimeSpans(incidents, now) -> Span[]
//   uptime({ from, to, created, downtime, excluded }) -> UptimeResult
//   uptimeWindows(now, created, downtime, excluded) -> Record<UptimeWindow, UptimeResult>
//   DAY_MS, dayOf(at), dailyUptime(now, days, created, downtime, excluded) -> DayUptime[]

import { clip, normalize, type Span, subtract, totalLength } from './spans.ts';

export const DAY_MS = 86_400_000;

export const UPTIME_WINDOWS = {
  '24h': DAY_MS,
  '7d': 7 * DAY_MS,
  '30d': 30 * DAY_MS,
  '90d': 90 * DAY_MS,
} as const;
export type UptimeWindow = keyof typeof UPTIME_WINDOWS;
export const UPTIME_WINDOW_NAMES = Object.keys(UPTIME_WINDOWS) as UptimeWindow[];

export interface DowntimeIncident {
  kind: string;
  start: number;
  /** Last failing check; null while the incident is open. */
  end: number | null;
}

/** Spans of confirmed downtime: `down` incidents only, open ones running until `now`. */
export function downtimeSpans(incidents: readonly DowntimeIncident[], now: number): Span[] {
  const spans: Span[] = [];
  for (const incident of incidents) {
    if (incident.kind !== 'down') continue;
    spans.push({ start: incident.start, end: incident.end ?? Math.max(now, incident.start) });
  }
  return normalize(spans);
}

export interface UptimeInput {
  from: number;
  to: number;
  /** When counting starts (the monitor's first result, status/service.ts `countsFrom`): earlier time is not counted. */
  created: number;
  downtime: readonly Span[];
  /** Maintenance and paused spans. */
  excluded: readonly Span[];
}

export interface UptimeResult {
  /** 0..1, null when no time in the window counted (not created yet, or all paused). */
  ratio: number | null;
  downMs: number;
  countedMs: number;
}

export function uptime(input: UptimeInput): UptimeResult {
  const from = Math.max(input.from, input.created);
  if (input.to <= from) return { ratio: null, downMs: 0, countedMs: 0 };
  const counted = subtract([{ start: from, end: input.to }], input.excluded);
  const countedMs = totalLength(counted);
  if (countedMs === 0) return { ratio: null, downMs: 0, countedMs: 0 };
  const downMs =
    input.downtime.length === 0
      ? 0
      : totalLength(subtract(clip(input.downtime, from, input.to), input.excluded));
  return { ratio: 1 - downMs / countedMs, downMs, countedMs };
}

export function uptimeWindows(
  now: number,
  created: number,
  downtime: readonly Span[],
  excluded: readonly Span[],
): Record<UptimeWindow, UptimeResult> {
  const down = normalize(downtime);
  const cut = normalize(excluded);
  const out = {} as Record<UptimeWindow, UptimeResult>;
  for (const name of UPTIME_WINDOW_NAMES) {
    out[name] = uptime({ from: now - UPTIME_WINDOWS[name], to: now, created, downtime: down, excluded: cut });
  }
  return out;
}

export function dayOf(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}

export interface DayUptime extends UptimeResult {
  /** Start of the UTC day (epoch ms). */
  day: number;
}

/**
 * Uptime of each of the last `days` UTC days, oldest first, the last one being today up to `now`.
 * Days before the lineage existed have ratio null.
 */
export function dailyUptime(
  now: number,
  days: number,
  created: number,
  downtime: readonly Span[],
  excluded: readonly Span[],
): DayUptime[] {
  const today = dayOf(now);
  const first = today - (days - 1) * DAY_MS;
  const down = clip(downtime, first, now);
  const cut = clip(excluded, first, now);
  const cells: DayUptime[] = [];
  for (let day = first; day <= today; day += DAY_MS) {
    const to = Math.min(day + DAY_MS, now);
    // Most days of most monitors have neither downtime nor exclusions: skip the span algebra.
    const quiet = !overlaps(down, day, to) && !overlaps(cut, day, to);
    if (quiet) {
      const from = Math.max(day, created);
      const countedMs = Math.max(0, to - from);
      cells.push({ day, ratio: countedMs > 0 ? 1 : null, downMs: 0, countedMs });
    } else {
      cells.push({ day, ...uptime({ from: day, to, created, downtime: down, excluded: cut }) });
    }
  }
  return cells;
}

function overlaps(spans: readonly Span[], from: number, to: number): boolean {
  for (const span of spans) {
    if (span.start >= to) return false;
    if (span.end > from) return true;
  }
  return false;
}
