// How stored rows become what the status answers show: a monitor's state view, its open incident
// with its issue link, and its regions with their last results.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { percentile } from '../rollups/histogram.ts';
import type { HourlyRollup } from '../rollups/hourly.ts';
import type { IncidentEntry, StateEntry } from '../store/status-types.ts';
import type { OpenIncident, RegionLastResult, RegionSummary, StatusModel } from './model.ts';
import { RUNNER_OFFLINE_MS, YIELD_EVERY } from './service.ts';

export function meanAndP95(r: HourlyRollup): { mean: number | null; p95: number | null; count: number } {
  if (r.rtCount === 0) return { mean: null, p95: null, count: 0 };
  return { mean: r.rtSum / r.rtCount, p95: percentile(r.buckets, 0.95, r.rtMin, r.rtMax), count: r.rtCount };
}

export function pct(ratio: number | null): number | null {
  return ratio === null ? null : Math.round(ratio * 1e6) / 1e4;
}

export function round(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 10) / 10;
}

export function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** A state row with what the JSON shows of it made once (not once per build). */
export interface StateView {
  state: string;
  since: string;
  /** The newest `at` of the regions' last results (ISO), null when there is none. */
  lastCheckAt: string | null;
  regions: RegionLastResult[];
}

export function viewOf(state: StateEntry): StateView {
  let last: number | null = null;
  for (const r of state.lastResults) if (last === null || r.at > last) last = r.at;
  return {
    state: state.state,
    since: new Date(state.since).toISOString(),
    lastCheckAt: last === null ? null : new Date(last).toISOString(),
    regions: state.lastResults.map((r) => ({
      region: r.region,
      ok: r.ok,
      at: new Date(r.at).toISOString(),
      reason: r.reason,
      message: r.message,
      status: r.status,
      responseTimeMs: round(r.totalMs),
      mark: r.mark,
    })),
  };
}

/** JSON.stringify(model), monitor by monitor with yields: a 10,000-monitor body never blocks the loop at once. */
export async function serialize(model: StatusModel): Promise<string> {
  const { monitors, ...rest } = model;
  const parts: string[] = [];
  for (let i = 0; i < monitors.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToLoop();
    parts.push(JSON.stringify(monitors[i]));
  }
  const head = JSON.stringify({ ...rest, monitors: [] });
  // `"monitors":[]` is spliced open; the rest of the object keeps JSON.stringify's key order.
  const at = head.indexOf('"monitors":[]') + '"monitors":['.length;
  return `${head.slice(0, at)}${parts.join(',')}${head.slice(at)}`;
}

export function openIncident(incident: IncidentEntry, links: Map<string, string>): OpenIncident {
  return {
    id: incident.id,
    kind: incident.kind,
    start: new Date(incident.start).toISOString(),
    reason: incident.reason,
    issueUrl: links.get(incident.id) ?? null,
    suppressed: incident.suppressed,
  };
}

export function regionsOf(
  runners: readonly { region: string; lastSeen: number }[],
  incidents: readonly IncidentEntry[],
  now: number,
): RegionSummary[] {
  const byRegion = new Map<string, RegionSummary>();
  const of = (region: string): RegionSummary => {
    let summary = byRegion.get(region);
    if (summary === undefined) {
      summary = { region, runners: 0, online: 0, impaired: false };
      byRegion.set(region, summary);
    }
    return summary;
  };
  for (const r of runners) {
    const summary = of(r.region);
    summary.runners++;
    if (now - r.lastSeen <= RUNNER_OFFLINE_MS) summary.online++;
  }
  for (const incident of incidents) {
    if (incident.kind !== 'region' || incident.resolvedAt !== null || incident.region === null) continue;
    of(incident.region).impaired = true;
  }
  return [...byRegion.values()].sort((a, b) => a.region.localeCompare(b.region));
}
