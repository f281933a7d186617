// The status snapshot: built from the store, cached for `maxAgeMs`, shared by GET /v1/status, the
// page, badges and /metrics. Concurrent requests for a stale snapshot share one build.
//
// Cost per build is bounded by the number of monitors, never by history length:
// - the catalog (parsed specs) is reloaded only when the monitors change (a trigger-kept
//   generation counter), excluded spans likewise;
// - uptime comes from incidents and excluded spans of the last 90 days (small tables);
// - 24-hour response figures come from hourly rollups: the 23 completed hours are summed once per
//   hour (a GROUP BY in SQLite), the current hour on every build;
// - the last result per region comes with each monitor's state row.
import { createHash } from 'node:crypto';
import { emptyRollup, HOUR_MS, type HourlyRollup, hourOf, mergeInto } from '../rollups/hourly.ts';
import { maintenanceSpans } from '../rollups/maintenance.ts';
import { statsOf } from '../rollups/response.ts';
import { normalize, type Span } from '../rollups/spans.ts';
import {
  DAY_MS,
  downtimeSpans,
  UPTIME_WINDOW_NAMES,
  type UptimeWindow,
  uptimeWindows,
} from '../rollups/uptime.ts';
import {
  type MonitorStatus,
  type OpenIncident,
  overallOf,
  type RegionSummary,
  type RunnerSummary,
  type StatusModel,
} from './model.ts';
import type {
  CatalogEntry,
  IncidentEntry,
  SpanEntry,
  StateEntry,
  StatusStore,
  TlsExpiryEntry,
} from './store-types.ts';

/** Incidents that started this long before the 90-day window are assumed to have ended before it. */
export const LONGEST_INCIDENT_MS = 30 * DAY_MS;
export const HISTORY_DAYS = 90;
/** Runners not seen for this long are offline (the registry's rule). */
export const RUNNER_OFFLINE_MS = 45_000;

/** What the page and badges need beyond the JSON model, per monitor. */
export interface MonitorDetail {
  entry: CatalogEntry;
  status: MonitorStatus;
  downtime: Span[];
  excluded: Span[];
  /** This monitor's incidents of the last 90 days (and open ones), newest first. */
  incidents: IncidentEntry[];
  /** Merged rollup of the last 24 hours (all regions). */
  response: HourlyRollup;
  tls: TlsExpiryEntry[];
}

export interface StatusSnapshot {
  at: number;
  model: StatusModel;
  byId: Map<string, MonitorDetail>;
  /** Issue URLs of open and recent incidents. */
  issueLinks: Map<string, string>;
  /** Incidents of the last 90 days across monitors, newest first (region incidents included). */
  incidents: IncidentEntry[];
  outboxDepth: number | null;
  /** The JSON body of GET /v1/status and its ETag, made on first use. */
  body(): { json: string; etag: string };
}

export interface StatusServiceOptions {
  store: StatusStore;
  now: () => number;
  /** A snapshot younger than this is served as is. 0 = build on every call. */
  maxAgeMs: number;
}

export function etagOf(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 32)}"`;
}

function pct(ratio: number | null): number | null {
  return ratio === null ? null : Math.round(ratio * 1e6) / 1e4;
}

function round(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 10) / 10;
}

export class StatusService {
  readonly #store: StatusStore;
  readonly #now: () => number;
  readonly maxAgeMs: number;
  #snapshot: StatusSnapshot | null = null;
  #building: Promise<StatusSnapshot> | null = null;
  #catalog: { gen: number; entries: CatalogEntry[] } | null = null;
  #spans: { gen: number; byHistory: Map<number, SpanEntry[]> } | null = null;
  #completed: { toHour: number; totals: Map<number, HourlyRollup> } | null = null;

  constructor(options: StatusServiceOptions) {
    this.#store = options.store;
    this.#now = options.now;
    this.maxAgeMs = options.maxAgeMs;
  }

  get store(): StatusStore {
    return this.#store;
  }

  /** The current snapshot, rebuilt when older than maxAgeMs. */
  async snapshot(): Promise<StatusSnapshot> {
    const now = this.#now();
    const cached = this.#snapshot;
    if (cached !== null && this.maxAgeMs > 0 && now - cached.at < this.maxAgeMs) return cached;
    this.#building ??= this.build().finally(() => {
      this.#building = null;
    });
    return this.#building;
  }

  /** Builds a fresh snapshot now (and keeps it). */
  async build(): Promise<StatusSnapshot> {
    const now = this.#now();
    const store = this.#store;
    const gens = await store.generations();
    if (this.#catalog?.gen !== gens.catalog) {
      this.#catalog = { gen: gens.catalog, entries: await store.catalog() };
    }
    if (this.#spans?.gen !== gens.spans) {
      const byHistory = new Map<number, SpanEntry[]>();
      for (const span of await store.spans(now - HISTORY_DAYS * DAY_MS - DAY_MS)) {
        let list = byHistory.get(span.historyId);
        if (list === undefined) {
          list = [];
          byHistory.set(span.historyId, list);
        }
        list.push(span);
      }
      this.#spans = { gen: gens.spans, byHistory };
    }
    const currentHour = hourOf(now);
    const firstHour = currentHour - 23 * HOUR_MS;
    if (this.#completed?.toHour !== currentHour) {
      this.#completed = { toHour: currentHour, totals: await store.rollupTotals(firstHour, currentHour) };
    }
    const windowStart = now - HISTORY_DAYS * DAY_MS;
    const [states, incidents, current, runners, tls, until, outboxDepth] = await Promise.all([
      store.states(),
      store.incidents(windowStart - LONGEST_INCIDENT_MS),
      store.rollupTotals(currentHour, currentHour + HOUR_MS),
      store.runners(),
      store.tlsExpiry(),
      store.maintenanceUntil(),
      store.outboxDepth(),
    ]);
    const catalog = this.#catalog.entries;
    const spans = this.#spans.byHistory;
    const completed = this.#completed.totals;

    const stateOf = new Map<number, StateEntry>();
    for (const state of states) stateOf.set(state.historyId, state);
    const incidentsOf = new Map<number, IncidentEntry[]>();
    const relevant: IncidentEntry[] = [];
    for (const incident of incidents) {
      if (incident.end !== null && incident.end < windowStart) continue;
      relevant.push(incident);
      if (incident.historyId === null) continue;
      let list = incidentsOf.get(incident.historyId);
      if (list === undefined) {
        list = [];
        incidentsOf.set(incident.historyId, list);
      }
      list.push(incident);
    }
    relevant.sort((a, b) => b.start - a.start);
    const tlsOf = new Map<number, TlsExpiryEntry[]>();
    for (const entry of tls) {
      let list = tlsOf.get(entry.historyId);
      if (list === undefined) {
        list = [];
        tlsOf.set(entry.historyId, list);
      }
      list.push(entry);
    }

    // Issue links: open incidents and the most recent ones (what the page shows).
    const linkIds = relevant.filter((i, index) => i.resolvedAt === null || index < 50).map((i) => i.id);
    const issueLinks = await store.issueLinks(linkIds);

    const byId = new Map<string, MonitorDetail>();
    const monitors: MonitorStatus[] = [];
    for (const entry of catalog) {
      const state = stateOf.get(entry.historyId);
      const own = incidentsOf.get(entry.historyId) ?? [];
      own.sort((a, b) => b.start - a.start);
      const downtime = downtimeSpans(own, now);
      const excluded = this.#excludedSpans(
        entry,
        spans.get(entry.historyId),
        until.get(entry.historyId),
        now,
      );
      const windows = uptimeWindows(now, entry.createdAt, downtime, excluded);
      const response = emptyRollup();
      const a = completed.get(entry.historyId);
      if (a !== undefined) mergeInto(response, a);
      const b = current.get(entry.historyId);
      if (b !== undefined) mergeInto(response, b);
      const stats = statsOf(response);
      const open =
        own.find((i) => i.resolvedAt === null && (i.kind === 'down' || i.kind === 'flapping')) ?? null;
      const uptime = {} as Record<UptimeWindow, number | null>;
      for (const name of UPTIME_WINDOW_NAMES) uptime[name] = pct(windows[name].ratio);
      const status: MonitorStatus = {
        id: entry.id,
        name: entry.name,
        url: entry.url,
        state: entry.paused ? 'paused' : (state?.state ?? 'pending'),
        since: state === undefined ? null : new Date(state.since).toISOString(),
        uptime,
        responseTime: { meanMs: round(stats.mean), p95Ms: round(stats.p95), checks: stats.count },
        regions: (state?.lastResults ?? []).map((r) => ({
          region: r.region,
          ok: r.ok,
          at: new Date(r.at).toISOString(),
          reason: r.reason,
          message: r.message,
          status: r.status,
          responseTimeMs: round(r.totalMs),
          mark: r.mark,
        })),
        incident: open === null ? null : openIncident(open, issueLinks),
      };
      monitors.push(status);
      byId.set(entry.id, {
        entry,
        status,
        downtime,
        excluded,
        incidents: own,
        response,
        tls: tlsOf.get(entry.historyId) ?? [],
      });
    }

    const counts: Record<string, number> = {};
    for (const m of monitors) counts[m.state] = (counts[m.state] ?? 0) + 1;
    const model: StatusModel = {
      generatedAt: new Date(now).toISOString(),
      overall: overallOf(monitors.map((m) => m.state)),
      counts,
      monitors,
      runners: runners.map(
        (r): RunnerSummary => ({
          region: r.region,
          name: r.name,
          version: r.version,
          embedded: r.embedded,
          online: now - r.lastSeen <= RUNNER_OFFLINE_MS,
          lastSeen: new Date(r.lastSeen).toISOString(),
        }),
      ),
      regions: regionsOf(runners, relevant, now),
    };
    let body: { json: string; etag: string } | null = null;
    const snapshot: StatusSnapshot = {
      at: now,
      model,
      byId,
      issueLinks,
      incidents: relevant,
      outboxDepth,
      body() {
        if (body === null) {
          const json = JSON.stringify(model);
          body = { json, etag: etagOf(json) };
        }
        return body;
      },
    };
    this.#snapshot = snapshot;
    return snapshot;
  }

  /** Paused and maintenance spans, open ones running until now, plus the not yet materialized tail. */
  #excludedSpans(
    entry: CatalogEntry,
    stored: SpanEntry[] | undefined,
    until: number | undefined,
    now: number,
  ): Span[] {
    const spans: Span[] = [];
    for (const s of stored ?? []) spans.push({ start: s.start, end: s.end ?? now });
    if (entry.maintenance.length > 0) {
      const from = Math.max(until ?? entry.createdAt, now - HISTORY_DAYS * DAY_MS);
      spans.push(...maintenanceSpans(entry.maintenance, from, now));
    }
    return spans.length === 0 ? spans : normalize(spans);
  }
}

function openIncident(incident: IncidentEntry, links: Map<string, string>): OpenIncident {
  return {
    id: incident.id,
    kind: incident.kind,
    start: new Date(incident.start).toISOString(),
    reason: incident.reason,
    issueUrl: links.get(incident.id) ?? null,
    suppressed: incident.suppressed,
  };
}

function regionsOf(
  runners: readonly { region: string; lastSeen: number }[],
  incidents: readonly IncidentEntry[],
  now: number,
): RegionSummary[] {
  const byRegion = new Map<string, RegionSummary>();
  for (const r of runners) {
    let summary = byRegion.get(r.region);
    if (summary === undefined) {
      summary = { region: r.region, runners: 0, online: 0, impaired: false };
      byRegion.set(r.region, summary);
    }
    summary.runners++;
    if (now - r.lastSeen <= RUNNER_OFFLINE_MS) summary.online++;
  }
  for (const incident of incidents) {
    if (incident.kind !== 'region' || incident.resolvedAt !== null || incident.region === null) continue;
    let summary = byRegion.get(incident.region);
    if (summary === undefined) {
      summary = { region: incident.region, runners: 0, online: 0, impaired: false };
      byRegion.set(incident.region, summary);
    }
    summary.impaired = true;
  }
  return [...byRegion.values()].sort((a, b) => a.region.localeCompare(b.region));
}
