// The status snapshot: built from the store, shared by GET /v1/status, the page, badges and
// /metrics. What a read gets is never older than `maxAgeMs` (10 s by default), whether or not
// anyone read recently: `keepFresh()` rebuilds in the background every half of it, so reads
// almost never wait, and a read that finds the snapshot older than `maxAgeMs` anyway (the
// refresher not started, or behind) waits for the rebuild instead of serving stale data. Only
// when that rebuild fails is the older snapshot served. `maxAgeMs: 0` builds on every call (tests).
//
// Cost per build is bounded by the number of monitors, never by history length, and most of it
// is incremental (only what changed since the last build becomes JavaScript objects):
// - the catalog (parsed specs) and excluded spans are reloaded only when their generation counter
//   (kept by triggers) moves;
// - states, incidents (of the 90-day window) and the current hour's rollup rows are read when
//   their `updated_at` is after the previous build (minus a slack for writes in flight);
// - uptime comes from incidents and excluded spans; 24-hour response figures from the 23
//   completed hours (summed by SQLite once per hour) plus the current hour's rows;
// - the JSON body, its gzip and ETag are made once per snapshot, in the background build.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { emptyRollup, HOUR_MS, type HourlyRollup, hourOf, mergeInto } from '../rollups/hourly.ts';
import { maintenanceSpans } from '../rollups/maintenance.ts';
import { normalize, type Span } from '../rollups/spans.ts';
import {
  DAY_MS,
  downtimeSpans,
  UPTIME_WINDOW_NAMES,
  UPTIME_WINDOWS,
  type UptimeWindow,
  uptimeWindows,
} from '../rollups/uptime.ts';
import type { CatalogEntry, IncidentEntry, SpanEntry, StatusStore } from '../store/status-types.ts';
import { MaintenanceCalendar, type MaintenanceNow } from './maintenance.ts';
import { type MonitorStatus, overallOf, type RunnerSummary, type StatusModel } from './model.ts';
import { type Rendered, render } from './render.ts';
import {
  meanAndP95,
  openIncident,
  pct,
  push,
  regionsOf,
  round,
  type StateView,
  serialize,
  viewOf,
} from './views.ts';

export { etagOf, type Rendered, render } from './render.ts';

/** Incidents that started this long before the 90-day window are assumed to have ended before it. */
export const LONGEST_INCIDENT_MS = 30 * DAY_MS;
export const HISTORY_DAYS = 90;
/** Runners not seen for this long are offline (the registry's rule). */
export const RUNNER_OFFLINE_MS = 45_000;
/** Rows updated this long before the previous build are read again (writes commit after their timestamp). */
const CHANGE_SLACK_MS = 10_000;
/** Monitors processed between two yields to the event loop during a build. */
export const YIELD_EVERY = 500;

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
  /** Maintenance now and within the look-ahead (7 days). */
  maintenance: MaintenanceNow;
}

export interface StatusSnapshot {
  at: number;
  model: StatusModel;
  byId: Map<string, MonitorDetail>;
  byHistory: Map<number, MonitorDetail>;
  /** Issue URLs of open and recent incidents. */
  issueLinks: Map<string, string>;
  /** Incidents of the last 90 days across monitors, newest first (region incidents included). */
  incidents: IncidentEntry[];
  outboxDepth: number | null;
  /** The JSON body of GET /v1/status (made once). */
  body(): Promise<Rendered>;
  /** Per-snapshot cache of other rendered bodies (pages), by key. */
  rendered: Map<string, Promise<Rendered>>;
}

export interface StatusServiceOptions {
  store: StatusStore;
  now: () => number;
  /** A snapshot younger than this is served as is; older ones are served while a rebuild runs. 0 = build on every call. */
  maxAgeMs: number;
}

/**
 * Where a monitor's uptime starts counting: its first result. Before it there is no data, neither
 * up nor down (Infinity while it has none: every window is null, "no data yet").
 */
export function countsFrom(entry: CatalogEntry): number {
  return entry.firstResultAt === null
    ? Number.POSITIVE_INFINITY
    : Math.max(entry.createdAt, entry.firstResultAt);
}

export class StatusService {
  readonly #store: StatusStore;
  readonly #now: () => number;
  readonly maxAgeMs: number;
  /** Run on each new snapshot before it is published (e.g. to pre-render page 1). */
  readonly afterBuild: Array<(snapshot: StatusSnapshot) => Promise<void>> = [];
  #snapshot: StatusSnapshot | null = null;
  #building: Promise<StatusSnapshot> | null = null;
  #refresher: NodeJS.Timeout | null = null;
  #closed = false;
  #catalog: { gen: number; entries: CatalogEntry[] } | null = null;
  #spans: { gen: number; byHistory: Map<number, SpanEntry[]> } | null = null;
  #completed: { toHour: number; totals: Map<number, HourlyRollup> } | null = null;
  /** Incremental caches, with the time of the build that last refreshed them. */
  #states = new Map<number, StateView>();
  #incidents = new Map<string, IncidentEntry>();
  #hour: { hour: number; rows: Map<string, { historyId: number; rollup: HourlyRollup }> } | null = null;
  #lastBuildAt: number | null = null;
  /** Maintenance spans computed from the declared windows, per lineage, extended as time passes
   * (cron evaluation costs about a millisecond per occurrence: never redo 90 days per build). */
  readonly #liveMaintenance = new Map<number, { key: string; from: number; to: number; spans: Span[] }>();
  /** The windows on now and coming up, per lineage (status/maintenance.ts). */
  readonly #calendar = new MaintenanceCalendar();

  constructor(options: StatusServiceOptions) {
    this.#store = options.store;
    this.#now = options.now;
    this.maxAgeMs = options.maxAgeMs;
  }

  get store(): StatusStore {
    return this.#store;
  }

  /** A snapshot no older than maxAgeMs: the cached one, or one built now. */
  async snapshot(): Promise<StatusSnapshot> {
    const cached = this.#snapshot;
    if (cached === null || this.maxAgeMs === 0) return this.#rebuild();
    if (this.#now() - cached.at <= this.maxAgeMs || this.#closed) return cached;
    return this.#rebuild().catch(() => cached);
  }

  /** The last snapshot built, whatever its age (null before the first). */
  current(): StatusSnapshot | null {
    return this.#snapshot;
  }

  /** Rebuilds every half of maxAgeMs until idle(), so reads find a fresh snapshot ready. */
  keepFresh(): void {
    if (this.maxAgeMs === 0 || this.#refresher !== null || this.#closed) return;
    this.#refresher = setInterval(
      () => {
        if (this.#building === null) void this.#rebuild().catch(() => undefined);
      },
      Math.max(50, this.maxAgeMs / 2),
    );
    this.#refresher.unref();
  }

  /** Stops the refresher and resolves when no build is running (call before the store closes). */
  async idle(): Promise<void> {
    this.#closed = true;
    if (this.#refresher !== null) clearInterval(this.#refresher);
    this.#refresher = null;
    while (this.#building !== null) await this.#building.catch(() => undefined);
  }

  /** Builds a fresh snapshot (one at a time: callers during a build share it). */
  #rebuild(): Promise<StatusSnapshot> {
    this.#building ??= this.build().finally(() => {
      this.#building = null;
    });
    return this.#building;
  }

  async build(): Promise<StatusSnapshot> {
    const now = this.#now();
    const store = this.#store;
    const windowStart = now - HISTORY_DAYS * DAY_MS;
    const gens = await store.generations();
    let full = this.#lastBuildAt === null;
    if (this.#catalog?.gen !== gens.catalog) {
      this.#catalog = { gen: gens.catalog, entries: await store.catalog() };
      // Monitors came or went: reload states too (a dropped state must not linger).
      full = true;
    }
    if (this.#spans?.gen !== gens.spans) {
      const byHistory = new Map<number, SpanEntry[]>();
      for (const span of await store.spans(windowStart - DAY_MS)) push(byHistory, span.historyId, span);
      this.#spans = { gen: gens.spans, byHistory };
    }
    const currentHour = hourOf(now);
    const firstHour = currentHour - 23 * HOUR_MS;
    if (this.#completed?.toHour !== currentHour) {
      this.#completed = { toHour: currentHour, totals: await store.rollupTotals(firstHour, currentHour) };
    }
    const changedAfter = full || this.#lastBuildAt === null ? undefined : this.#lastBuildAt - CHANGE_SLACK_MS;
    const hourChangedAfter = this.#hour?.hour === currentHour ? changedAfter : undefined;
    const [states, incidents, hourRows, runners, until, outboxDepth] = await Promise.all([
      store.states(changedAfter),
      store.incidents(windowStart - LONGEST_INCIDENT_MS, changedAfter),
      store.hourRows(currentHour, hourChangedAfter),
      store.runners(),
      store.maintenanceUntil(),
      store.outboxDepth(),
    ]);
    if (changedAfter === undefined) {
      this.#states = new Map();
      this.#incidents = new Map();
    }
    for (const state of states) this.#states.set(state.historyId, viewOf(state));
    for (const incident of incidents) this.#incidents.set(incident.id, incident);
    if (this.#hour === null || this.#hour.hour !== currentHour || hourChangedAfter === undefined) {
      this.#hour = { hour: currentHour, rows: new Map() };
    }
    for (const row of hourRows) this.#hour.rows.set(`${row.historyId}\u0000${row.region}`, row);
    this.#lastBuildAt = now;

    const catalog = this.#catalog.entries;
    const spans = this.#spans.byHistory;
    const completed = this.#completed.totals;
    const current = new Map<number, HourlyRollup>();
    for (const { historyId, rollup } of this.#hour.rows.values()) {
      const merged = current.get(historyId);
      if (merged === undefined) current.set(historyId, mergeInto(emptyRollup(), rollup));
      else mergeInto(merged, rollup);
    }

    const incidentsOf = new Map<number, IncidentEntry[]>();
    const relevant: IncidentEntry[] = [];
    for (const [id, incident] of this.#incidents) {
      if (incident.end !== null && incident.end < windowStart) {
        this.#incidents.delete(id);
        continue;
      }
      relevant.push(incident);
      if (incident.historyId !== null) push(incidentsOf, incident.historyId, incident);
    }
    relevant.sort((a, b) => b.start - a.start);

    // Issue links: open incidents and the most recent ones (what the page shows).
    const linkIds = relevant.filter((i, index) => i.resolvedAt === null || index < 50).map((i) => i.id);
    const issueLinks = await store.issueLinks(linkIds);

    const byId = new Map<string, MonitorDetail>();
    const byHistory = new Map<number, MonitorDetail>();
    const monitors: MonitorStatus[] = [];
    for (let index = 0; index < catalog.length; index++) {
      if (index > 0 && index % YIELD_EVERY === 0) await yieldToLoop();
      const entry = catalog[index]!;
      const state = this.#states.get(entry.historyId);
      const own = incidentsOf.get(entry.historyId) ?? [];
      if (own.length > 1) own.sort((a, b) => b.start - a.start);
      const downtime = own.length === 0 ? [] : downtimeSpans(own, now);
      const excluded = this.#excludedSpans(
        entry,
        spans.get(entry.historyId),
        until.get(entry.historyId),
        now,
      );
      const uptime = {} as Record<UptimeWindow, number | null>;
      const from = countsFrom(entry);
      if (downtime.length === 0 && excluded.length === 0) {
        // Nothing to subtract: every window with counted time is 100%.
        for (const name of UPTIME_WINDOW_NAMES)
          uptime[name] = now > Math.max(from, now - UPTIME_WINDOWS[name]) ? 100 : null;
      } else {
        const windows = uptimeWindows(now, from, downtime, excluded);
        for (const name of UPTIME_WINDOW_NAMES) uptime[name] = pct(windows[name].ratio);
      }
      const response = emptyRollup();
      const a = completed.get(entry.historyId);
      if (a !== undefined) mergeInto(response, a);
      const b = current.get(entry.historyId);
      if (b !== undefined) mergeInto(response, b);
      const stats = meanAndP95(response);
      const open =
        own.find((i) => i.resolvedAt === null && (i.kind === 'down' || i.kind === 'flapping')) ?? null;
      const maintenance = this.#calendar.of(entry.historyId, entry.maintenance, now);
      const status: MonitorStatus = {
        id: entry.id,
        name: entry.name,
        url: entry.url,
        state: entry.paused ? 'paused' : (state?.state ?? 'pending'),
        since: state === undefined ? null : state.since,
        lastCheckAt: state?.lastCheckAt ?? null,
        uptime,
        responseTime: { meanMs: round(stats.mean), p95Ms: round(stats.p95), checks: stats.count },
        regions: state?.regions ?? [],
        incident: open === null ? null : openIncident(open, issueLinks),
        maintenance: { ongoing: maintenance.ongoing, next: maintenance.next },
      };
      monitors.push(status);
      const detail: MonitorDetail = {
        entry,
        status,
        downtime,
        excluded,
        incidents: own,
        response,
        maintenance,
      };
      byId.set(entry.id, detail);
      byHistory.set(entry.historyId, detail);
    }

    this.#calendar.retain(new Set(byHistory.keys()));
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
    let body: Promise<Rendered> | null = null;
    const snapshot: StatusSnapshot = {
      at: now,
      model,
      byId,
      byHistory,
      issueLinks,
      incidents: relevant,
      outboxDepth,
      body() {
        body ??= serialize(model).then(render);
        return body;
      },
      rendered: new Map(),
    };
    // Serialize (and compress) before publishing, so no request pays for it.
    await snapshot.body();
    for (const hook of this.afterBuild) await hook(snapshot);
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
    if (stored === undefined && entry.maintenance.length === 0) return [];
    const spans: Span[] = [];
    for (const s of stored ?? []) spans.push({ start: s.start, end: s.end ?? now });
    if (entry.maintenance.length > 0) {
      const from = Math.max(until ?? entry.createdAt, now - HISTORY_DAYS * DAY_MS);
      spans.push(...this.#maintenanceTail(entry, from, now));
    }
    return spans.length === 0 ? spans : normalize(spans);
  }

  /** Spans of the declared windows over [from, now), from the per-lineage cache. */
  #maintenanceTail(entry: CatalogEntry, from: number, now: number): Span[] {
    const key = JSON.stringify(entry.maintenance);
    let cached = this.#liveMaintenance.get(entry.historyId);
    if (cached === undefined || cached.key !== key || cached.from > from || cached.to > now) {
      cached = { key, from, to: from, spans: [] };
      this.#liveMaintenance.set(entry.historyId, cached);
    }
    if (cached.to < now) {
      const added = maintenanceSpans(entry.maintenance, cached.to, now);
      cached.spans = normalize([...cached.spans, ...added]).filter(
        (s) => s.end > now - (HISTORY_DAYS + 1) * DAY_MS,
      );
      cached.to = now;
    }
    return cached.spans.filter((s) => s.end > from);
  }
}
