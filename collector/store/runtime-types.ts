// Storage of what the running collector produces: check results (and the response logs of failing
// ones), each monitor's verdict state, incidents with their event log, and registered runners.
// The engine writes through one batched `flush` per ~200 ms (one transaction each); routes read
// through the query methods. A PostgreSQL store would implement the same interfaces.

import type { CheckResult, ResponseLog, Timings } from '../../probe/types.ts';
import type { Secrets } from '../../schema/types.ts';
import type { CheckPurpose } from '../domain/rounds.ts';
import type { RegionEvent } from '../verdict/impairment.ts';
import type { IncidentEvent, IncidentKind, Mark, MonitorState } from '../verdict/types.ts';
import type { MonitorRecord } from './types.ts';

/** A monitor with the secret values its spec references: what the engine needs to build jobs. */
export interface RuntimeMonitorRecord {
  record: MonitorRecord;
  secrets: Secrets;
}

/** The latest result of a monitor from one region (kept with the state, shown by the API). */
export interface RegionResult {
  region: string;
  jobId: string;
  runner: string | null;
  purpose: CheckPurpose;
  ok: boolean;
  reason: CheckResult['reason'];
  message: string;
  status: number | null;
  totalMs: number | null;
  /** Epoch ms the check started. */
  at: number;
  mark: Mark | null;
}

/** A monitor's verdict state as stored: the verdict's MonitorState plus what the engine adds. */
export interface StoredState {
  historyId: number;
  monitorId: string;
  verdict: MonitorState;
  /** Due time of the last periodic round started: keeps the slots after a restart. */
  lastRoundAt: number | null;
  lastResults: RegionResult[];
  updatedAt: number;
}

/** One stored check result. `id` is the job id (unique). */
export interface CheckRecord {
  id: string;
  historyId: number;
  monitorId: string;
  region: string;
  runner: string | null;
  purpose: CheckPurpose;
  roundId: string;
  /** Epoch ms: when the check started (runner clock, sanity-clamped), when it was due, claimed. */
  startedAt: number;
  dueAt: number;
  claimedAt: number;
  receivedAt: number;
  ok: boolean;
  reason: CheckResult['reason'];
  message: string;
  status: number | null;
  httpVersion: string | null;
  remoteIp: string | null;
  remoteFamily: 4 | 6 | null;
  timings: Timings;
  tlsDaysLeft: number | null;
  /** Phase of failure, TLS details, redirect chain, assertion outcomes. */
  detail: CheckDetail;
  mark: Mark | null;
  hasLog: boolean;
  /**
   * Arrived after its round was over (a runner cut off from the collector for a while): kept for
   * the history, never counted as a vote. Absent = false.
   */
  late?: boolean;
}

export interface CheckDetail {
  phase: CheckResult['phase'];
  tls: CheckResult['tls'];
  redirects: CheckResult['redirects'];
  assertions: CheckResult['assertions'];
}

export interface CheckLogRecord {
  jobId: string;
  historyId: number;
  startedAt: number;
  log: ResponseLog;
}

export interface CheckPageQuery {
  /** Only checks started at or after this (ms). */
  since?: number;
  /** Cursor: checks strictly older than this position (newest first paging). */
  before?: { startedAt: number; rowid: number | null };
  limit: number;
  withLogs?: boolean;
}

export interface CheckPage {
  checks: Array<CheckRecord & { log?: ResponseLog | null }>;
  /** Cursor for the next (older) page, or null at the end. */
  next: string | null;
}

export type StoredIncidentKind = IncidentKind | 'certificate' | 'region';

export interface IncidentRecord {
  id: string;
  historyId: number | null;
  monitorId: string | null;
  region: string | null;
  kind: StoredIncidentKind;
  start: number;
  end: number | null;
  lastFailure: number;
  failedChecks: number;
  reason: string | null;
  firstJobId: string | null;
  suppressed: boolean;
  openedAt: number;
  resolvedAt: number | null;
  /** Cause of the resolution (`recovered`, `paused`, `removed`...), null while open. */
  resolveCause: string | null;
  updatedAt: number;
}

export interface IncidentQuery {
  /** `open`: not resolved; `resolved`; or every incident. */
  status?: 'open' | 'resolved' | 'all';
  monitorId?: string;
  kind?: StoredIncidentKind;
  /** Cursor: incidents that started strictly before this (newest first). */
  before?: number;
  limit: number;
}

/** A verdict or region event on its way to storage (and to the incident outbox). */
export type EngineIncidentEvent =
  | { source: 'monitor'; historyId: number; event: IncidentEvent }
  | { source: 'region'; event: RegionEvent };

/** An event as written, with its sequence number (the order sinks must deliver in). */
export type StoredIncidentEvent = EngineIncidentEvent & { seq: number };

declare const storeTxBrand: unique symbol;

/**
 * A write transaction of the store, opaque outside it: only the store that made it can use it.
 * The engine's flush hands it to the incident sink so alerts and outbox rows commit with the
 * events (ARCHITECTURE.md "Invariants").
 */
export interface StoreTx {
  readonly [storeTxBrand]: true;
}

/**
 * Called inside the flush transaction that stores incident events, after they are written, with
 * that transaction: the incident recorder writes its outbox rows here, so a state change and its
 * outbox entry commit together or not at all. A throw rolls the whole flush back (and it is retried).
 */
export type IncidentEventSink = (events: readonly StoredIncidentEvent[], tx: StoreTx) => Promise<void>;

export interface RunnerRecord {
  id: string;
  region: string;
  name: string;
  version: string;
  concurrency: number;
  embedded: boolean;
  /** sha256 (hex) of the session token; the token itself is never stored. */
  tokenHash: string;
  /** Fingerprint of the region key that made the session (fleet/keys.ts); null: embedded runner. */
  keyFingerprint: string | null;
  /** Epoch ms the session ends unless renewed; null: no end (embedded runner). */
  expiresAt: number | null;
  registeredAt: number;
  lastSeen: number;
  deregisteredAt: number | null;
}

/** Everything one flush writes, in one transaction. */
export interface FlushBatch {
  checks: CheckRecord[];
  logs: CheckLogRecord[];
  /** Marks on checks written by an earlier flush. */
  marks: Array<{ jobId: string; mark: Mark }>;
  states: StoredState[];
  /** Lineages whose state row is removed (deleted or replaced monitors keep history, not state). */
  dropStates: number[];
  events: EngineIncidentEvent[];
  runners: RunnerRecord[];
  /**
   * Jobs that never ran (no runner, lease expired twice, deadline): counted in the hourly rollups'
   * `missed` column (region null = a whole round missed before a region was chosen). Never checks.
   */
  missed: Array<{ historyId: number; region: string | null; at: number }>;
  /**
   * Collectors sharing the store (ARCHITECTURE.md "Cluster"): write the verdict state, incident
   * events (and through them the incident sink's alerts and outbox) and missed-job counts of a
   * monitor only while `member` holds its shard's lease at the epoch given here, checked inside the
   * transaction. Checks, logs and marks are facts and are written whatever the lease. Absent or
   * null: no check (one collector holds every shard; SQLite ignores it).
   */
  fence?: FlushFence | null;
}

/** The member writing a flush and the lease epoch it holds for each of its shards. */
export interface FlushFence {
  member: string;
  /** Shard -> epoch of the lease as this member took or renewed it. */
  epochs: ReadonlyMap<number, number>;
}

/** What a flush left out because of its fence. */
export interface FlushOutcome {
  /** Lineages whose state, events or misses were not written (another member holds their shard). */
  fencedHistories: number[];
  /** Rows not written: states, removed states, incident events and missed-job rows. */
  fencedRows: number;
}

/** A batch with nothing in it (fresh arrays each call). */
export function emptyFlushBatch(): FlushBatch {
  return { checks: [], logs: [], marks: [], states: [], dropStates: [], events: [], runners: [], missed: [] };
}

export interface RecentCheck {
  historyId: number;
  region: string;
  ok: boolean;
  startedAt: number;
}

export interface RuntimeStore {
  /** Current monitors with their secret values: all, or those lineages (engine start, reconcile). */
  loadMonitors(historyIds?: readonly number[]): Promise<RuntimeMonitorRecord[]>;
  /** What identifies a monitor's version, for every current monitor (cheap: no specs). */
  loadMonitorVersions(): Promise<
    Array<{ historyId: number; id: string; revision: number; specHash: string }>
  >;
  loadStates(): Promise<StoredState[]>;
  /** Checks started at or after `since`, oldest first (impairment detector replay). */
  recentChecks(since: number): Promise<RecentCheck[]>;
  /** Which of these job ids are stored already (idempotent results after a restart). */
  storedJobs(jobIds: readonly string[]): Promise<Set<string>>;
  /** Writes the batch in one transaction; what its fence left out, when anything (shared stores). */
  // biome-ignore lint/suspicious/noConfusingVoidType: a store that never fences returns nothing.
  flush(batch: FlushBatch): Promise<FlushOutcome | undefined | void>;
  /** Installs the hook run inside every flush that writes incident events (one hook). */
  setIncidentSink(sink: IncidentEventSink | null): void;
  /** Runners not deregistered (sessions survive a restart while their key and lifetime hold). */
  loadRunners(): Promise<RunnerRecord[]>;
}

export interface CheckStore {
  page(historyId: number, query: CheckPageQuery): Promise<CheckPage>;
  log(historyId: number, jobId: string): Promise<CheckLogRecord | undefined>;
  get(historyId: number, jobId: string): Promise<CheckRecord | undefined>;
}

export interface IncidentStore {
  list(query: IncidentQuery): Promise<IncidentRecord[]>;
  get(id: string): Promise<IncidentRecord | undefined>;
  /** Events of an incident in order. */
  events(id: string): Promise<StoredIncidentEvent[]>;
}
