// Impaired regions: a region whose checks fail for most of its monitors while the same monitors
// succeed from other regions is broken itself (its network, its DNS, its runners), not the sites.
// Its votes are then set aside by the verdict (`RegionView.impaired`), its results still stored,
// and one region-level event is emitted instead of one incident per monitor.
//
// Evidence: the latest result of each (monitor, region) pair, kept only if it started within
// `windowMs` of now. For a region R, a monitor is a *candidate* when it has a recent result from
// R and from at least one other region; it is *failing in R* when its latest result from R failed
// while its latest result from some other region succeeded.
//   impair R   when failing >= minMonitors and failing / candidates >= impairRatio
//   restore R  when candidates >= minMonitors and failing / candidates < restoreRatio
//              (hysteresis: a region hovering near the threshold does not flap)
// A region with too few candidates keeps its current mark (no evidence either way). A region is
// never impaired if that would leave no healthy region among those with recent results.
//
// Defaults: 10-minute window (every monitor at the default 1 m interval and 4 regions has a
// recent result from every region), at least 5 monitors, 80% to impair, below 50% to restore.
//
// The detector is an in-memory model rebuilt from the last `windowMs` of stored checks after a
// restart (`record` them in start order). Call `record` for every result, set-aside or not, and
// `evaluate(now)` periodically (e.g. every 10 s); it is O(monitors × regions).
//
// API:
//   new ImpairmentDetector(options?)
//   record({ monitorId, region, ok, at })
//   forget(monitorId)                  a deleted monitor
//   evaluate(now) -> RegionEvent[]     transitions since the last call
//   impaired() -> string[]             sorted; feed into RegionView.impaired
//   isImpaired(region) -> boolean
//   health(now) -> RegionHealth[]      per region, for GET /v1/runners

export interface ImpairmentOptions {
  windowMs: number;
  minMonitors: number;
  impairRatio: number;
  restoreRatio: number;
}

export const IMPAIRMENT_DEFAULTS: ImpairmentOptions = {
  windowMs: 10 * 60_000,
  minMonitors: 5,
  impairRatio: 0.8,
  restoreRatio: 0.5,
};

export interface RegionObservation {
  monitorId: string;
  region: string;
  ok: boolean;
  at: number;
}

export interface RegionHealth {
  region: string;
  impaired: boolean;
  /** When the current mark was set (impaired since / healthy since), null if never impaired. */
  since: number | null;
  candidates: number;
  failing: number;
  ratio: number;
}

export interface RegionEvent {
  type: 'opened' | 'resolved';
  kind: 'region';
  region: string;
  /** Deterministic: `region:<region>:<start>`. */
  incidentId: string;
  /** Earliest failing check of the evidence. */
  start: number;
  /** Latest failing check seen while impaired; set on `resolved`. */
  end: number | null;
  at: number;
  candidates: number;
  failing: number;
  ratio: number;
  /** Up to 20 monitor ids failing in the region (for the issue body). */
  monitors: string[];
}

interface Mark {
  incidentId: string;
  start: number;
  lastFailure: number;
  since: number;
}

interface Tally {
  candidates: number;
  failing: number;
  firstFailure: number;
  lastFailure: number;
  monitors: string[];
}

export class ImpairmentDetector {
  readonly options: ImpairmentOptions;
  /** monitor -> region -> latest result. */
  #latest = new Map<string, Map<string, { ok: boolean; at: number }>>();
  #marks = new Map<string, Mark>();
  #restoredAt = new Map<string, number>();

  constructor(options: Partial<ImpairmentOptions> = {}) {
    this.options = { ...IMPAIRMENT_DEFAULTS, ...options };
  }

  record(o: RegionObservation): void {
    let regions = this.#latest.get(o.monitorId);
    if (!regions) {
      regions = new Map();
      this.#latest.set(o.monitorId, regions);
    }
    const prev = regions.get(o.region);
    if (prev && prev.at > o.at) return;
    regions.set(o.region, { ok: o.ok, at: o.at });
  }

  forget(monitorId: string): void {
    this.#latest.delete(monitorId);
  }

  impaired(): string[] {
    return [...this.#marks.keys()].sort();
  }

  isImpaired(region: string): boolean {
    return this.#marks.has(region);
  }

  #tally(now: number): Map<string, Tally> {
    const from = now - this.options.windowMs;
    const tallies = new Map<string, Tally>();
    const get = (region: string): Tally => {
      let t = tallies.get(region);
      if (!t) {
        t = { candidates: 0, failing: 0, firstFailure: Infinity, lastFailure: -Infinity, monitors: [] };
        tallies.set(region, t);
      }
      return t;
    };
    for (const [monitorId, regions] of this.#latest) {
      let recent = 0;
      let oks = 0;
      for (const [region, r] of regions) {
        if (r.at < from) {
          // Old evidence is dropped as it is met: memory follows what is still relevant.
          regions.delete(region);
          continue;
        }
        recent++;
        if (r.ok) oks++;
        get(region);
      }
      if (regions.size === 0) {
        this.#latest.delete(monitorId);
        continue;
      }
      if (recent < 2) continue;
      for (const [region, r] of regions) {
        const t = get(region);
        t.candidates++;
        // Succeeds elsewhere: some other region's latest result is ok.
        const okElsewhere = oks - (r.ok ? 1 : 0) > 0;
        if (!r.ok && okElsewhere) {
          t.failing++;
          t.firstFailure = Math.min(t.firstFailure, r.at);
          t.lastFailure = Math.max(t.lastFailure, r.at);
          if (t.monitors.length < 20) t.monitors.push(monitorId);
        }
      }
    }
    return tallies;
  }

  evaluate(now: number): RegionEvent[] {
    const { minMonitors, impairRatio, restoreRatio } = this.options;
    const tallies = this.#tally(now);
    const events: RegionEvent[] = [];
    for (const region of [...tallies.keys()].sort()) {
      const t = tallies.get(region)!;
      const ratio = t.candidates > 0 ? t.failing / t.candidates : 0;
      const mark = this.#marks.get(region);
      if (mark) {
        if (t.failing > 0) mark.lastFailure = Math.max(mark.lastFailure, t.lastFailure);
        if (t.candidates >= minMonitors && ratio < restoreRatio) {
          this.#marks.delete(region);
          this.#restoredAt.set(region, now);
          events.push({
            type: 'resolved',
            kind: 'region',
            region,
            incidentId: mark.incidentId,
            start: mark.start,
            end: mark.lastFailure,
            at: now,
            candidates: t.candidates,
            failing: t.failing,
            ratio,
            monitors: t.monitors,
          });
        }
        continue;
      }
      if (t.failing < minMonitors || ratio < impairRatio) continue;
      // Keep at least one healthy region among those we hear from.
      const healthy = [...tallies.keys()].filter((r) => r !== region && !this.#marks.has(r));
      if (healthy.length === 0) continue;
      const start = t.firstFailure;
      const incidentId = `region:${region}:${start}`;
      this.#marks.set(region, { incidentId, start, lastFailure: t.lastFailure, since: now });
      events.push({
        type: 'opened',
        kind: 'region',
        region,
        incidentId,
        start,
        end: null,
        at: now,
        candidates: t.candidates,
        failing: t.failing,
        ratio,
        monitors: t.monitors,
      });
    }
    return events;
  }

  health(now: number): RegionHealth[] {
    const tallies = this.#tally(now);
    const regions = new Set([...tallies.keys(), ...this.#marks.keys()]);
    return [...regions].sort().map((region) => {
      const t = tallies.get(region);
      const mark = this.#marks.get(region);
      const candidates = t?.candidates ?? 0;
      const failing = t?.failing ?? 0;
      return {
        region,
        impaired: mark !== undefined,
        since: mark ? mark.since : (this.#restoredAt.get(region) ?? null),
        candidates,
        failing,
        ratio: candidates > 0 ? failing / candidates : 0,
      };
    });
  }
}
