// What the status model reads. The SQLite implementation is ./sqlite/status-store.ts; another
// engine implements the same reads. Every read is bounded by the monitor count and the 90-day
// window, never by the length of the history: rollups are read for the last 24 hours only, and
// uptime comes from incidents and excluded spans (small tables), not from raw checks.
import type { Timings } from '../../probe/types.ts';
import type { MaintenanceWindow } from '../../schema/types.ts';
import type { HourlyRollup } from '../rollups/hourly.ts';
import type { RegionResult } from './runtime-types.ts';

/** The part of a current monitor the status needs. */
export interface CatalogEntry {
  historyId: number;
  id: string;
  name: string;
  /** As written: secret references stay `${NAME}`. */
  url: string;
  method: string;
  /** When the lineage was created. */
  createdAt: number;
  /** Start of its first stored check (null before any): uptime counts from here, earlier is no data. */
  firstResultAt: number | null;
  paused: boolean;
  maintenance: MaintenanceWindow[];
  regions: string[] | null;
  interval: number;
  timeout: number;
}

export interface StateEntry {
  historyId: number;
  state: string;
  since: number;
  lastResults: RegionResult[];
  updatedAt: number;
}

export interface IncidentEntry {
  id: string;
  historyId: number | null;
  region: string | null;
  kind: string;
  start: number;
  /** Last failing check; null while open. */
  end: number | null;
  reason: string | null;
  suppressed: boolean;
  resolvedAt: number | null;
}

export interface SpanEntry {
  historyId: number;
  kind: 'paused' | 'maintenance';
  start: number;
  end: number | null;
}

export interface RunnerEntry {
  region: string;
  name: string;
  version: string;
  embedded: boolean;
  lastSeen: number;
}

export interface TlsExpiryEntry {
  historyId: number;
  region: string;
  expiresAt: number;
}

export interface HourlyPoint {
  historyId: number;
  hour: number;
  rollup: HourlyRollup;
}

/** A stored check as /metrics counts it. */
export interface CheckTailRow {
  id: number;
  region: string;
  ok: boolean;
  reason: string | null;
  /** Phase durations in ms; a phase the check never entered is null. */
  timings: Timings;
}

export interface Generations {
  catalog: number;
  spans: number;
}

export interface StatusStore {
  generations(): Promise<Generations>;
  catalog(): Promise<CatalogEntry[]>;
  /** Monitor states; with `changedAfter`, only those updated after it (ms). */
  states(changedAfter?: number): Promise<StateEntry[]>;
  /**
   * Incidents that started at or after `since` (with `changedAfter`: only those updated after it),
   * plus every open one.
   */
  incidents(since: number, changedAfter?: number): Promise<IncidentEntry[]>;
  /** Excluded spans that end at or after `since` (or are open). */
  spans(since: number): Promise<SpanEntry[]>;
  /** Per lineage: up to when its maintenance spans are materialized (the span job's progress). */
  maintenanceUntil(): Promise<Map<number, number>>;
  /** Rollups of hours in [fromHour, toHour), merged across regions, per lineage. */
  rollupTotals(fromHour: number, toHour: number): Promise<Map<number, HourlyRollup>>;
  /** Rollup rows (per lineage and region) of one hour; with `changedAfter`, only those updated after it. */
  hourRows(
    hour: number,
    changedAfter?: number,
  ): Promise<Array<{ historyId: number; region: string; rollup: HourlyRollup }>>;
  /** Hourly rollups since `fromHour` of these lineages, merged across regions. */
  hourly(historyIds: readonly number[], fromHour: number): Promise<HourlyPoint[]>;
  runners(): Promise<RunnerEntry[]>;
  /** Row id of the newest stored check (0 when none). */
  lastCheckId(): Promise<number>;
  /** Checks stored after row id `afterId`, oldest first, at most `limit`. */
  checksAfter(afterId: number, limit: number): Promise<CheckTailRow[]>;
  tlsExpiry(): Promise<TlsExpiryEntry[]>;
  /** Issue URLs of incidents, where an incident sink recorded one. */
  issueLinks(incidentIds: readonly string[]): Promise<Map<string, string>>;
  /** Incident deliveries not done yet; null when there is no outbox. */
  outboxDepth(): Promise<number | null>;
  /** Readiness: the store answers and its schema is the one this build knows. */
  readiness(): Promise<{ ok: boolean; schemaVersion: number; expectedVersion: number }>;
}
