// The status model: what GET /v1/status answers and what the page, badges and metrics show.
// Times are ISO 8601 strings; uptime is a percentage (0..100, null when no time counted);
// response times are milliseconds over the last 24 hours (a timed-out check counts as its timeout).

import type { UptimeWindow } from '../rollups/uptime.ts';
import type { WindowTimes } from './maintenance.ts';

export type Overall = 'operational' | 'degraded' | 'partial_outage' | 'major_outage' | 'unknown';

export interface RegionLastResult {
  region: string;
  ok: boolean;
  /** ISO time the check started. */
  at: string;
  reason: string | null;
  message: string;
  status: number | null;
  responseTimeMs: number | null;
  /** unconfirmed / inconclusive / impaired, when the verdict set one. */
  mark: string | null;
}

export interface OpenIncident {
  id: string;
  kind: string;
  /** First failing check. */
  start: string;
  reason: string | null;
  /** The GitHub issue, once a sink opened one. */
  issueUrl: string | null;
  /** Inside a maintenance window: recorded, not announced. */
  suppressed: boolean;
}

export interface MonitorStatus {
  id: string;
  name: string;
  /** As written: secret references stay `${NAME}`, values never appear. */
  url: string;
  state: string;
  /** When the current state was entered (ISO), null before any data. */
  since: string | null;
  /** Start of the newest check of any region (ISO), null before the first result. */
  lastCheckAt: string | null;
  /** Null for every window before the first result ("no data yet"), never 0 or 100. */
  uptime: Record<UptimeWindow, number | null>;
  responseTime: { meanMs: number | null; p95Ms: number | null; checks: number };
  regions: RegionLastResult[];
  incident: OpenIncident | null;
  /** The maintenance window on now, and the next one within 7 days (status/maintenance.ts). */
  maintenance: { ongoing: WindowTimes | null; next: WindowTimes | null };
}

export interface RunnerSummary {
  region: string;
  name: string;
  version: string;
  embedded: boolean;
  online: boolean;
  lastSeen: string;
}

export interface RegionSummary {
  region: string;
  runners: number;
  online: number;
  /** An open region incident says its checks are set aside. */
  impaired: boolean;
}

export interface StatusModel {
  generatedAt: string;
  overall: Overall;
  counts: Record<string, number>;
  monitors: MonitorStatus[];
  runners: RunnerSummary[];
  regions: RegionSummary[];
}

/** States in which the monitor is out (an incident is open and confirmed). */
export const DOWN_STATES: ReadonlySet<string> = new Set(['down', 'recovering']);
/** States that are not an outage but not clean either. */
export const DEGRADED_STATES: ReadonlySet<string> = new Set(['flapping']);

/**
 * The banner: unknown with nothing active or nothing known yet; major when at least half of the
 * active (not paused) monitors are down; partial when some are; degraded when only flapping.
 */
export function overallOf(states: readonly string[]): Overall {
  const active = states.filter((s) => s !== 'paused');
  const known = active.filter((s) => s !== 'pending');
  if (known.length === 0) return 'unknown';
  const down = active.filter((s) => DOWN_STATES.has(s)).length;
  if (down > 0 && down * 2 >= active.length) return 'major_outage';
  if (down > 0) return 'partial_outage';
  if (active.some((s) => DEGRADED_STATES.has(s))) return 'degraded';
  return 'operational';
}
