// How stored rows become what the status answers show: a monitor's state view, its open incident
// with its issue link, and its regions with their last results.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { IncidentEntry, StateEntry } from '../store/status-types.ts';
import type { OpenIncident, RegionLastResult, RegionSummary, StatusModel } from './model.ts';
import { RUNNER_OFFLINE_MS, round, YIELD_EVERY } from './service.ts';

/** A state row with what the JSON shows of it made once (not once per build). */
export interface StateView {
  state: string;
  since: string;
  regions: RegionLastResult[];
}

export function viewOf(state: StateEntry): StateView {
  return {
    state: state.state,
    since: new Date(state.since).toISOString(),
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
