// The storage interface the collector depends on, one sub-store per concern. The SQLite
// implementation lives in ./sqlite/ and is opened through ./open.ts; another engine implements the
// same interface in a sibling folder, without touching routes or domain code (ARCHITECTURE.md
// "Where a change goes"). Every implementation passes the contract suite, test/store/contract.ts.
import type { FieldDiff } from '../../schema/plan-types.ts';
import type { MonitorSpec, Secrets } from '../../schema/types.ts';
import type { AlertStore } from './alert-types.ts';
import type { ClusterStore } from './cluster-types.ts';
import type { StorageHealth } from './errors.ts';
import type { RetentionStore } from './retention-types.ts';
import type { CheckStore, IncidentStore, RuntimeStore } from './runtime-types.ts';
import type { StatusStore } from './status-types.ts';

/** A monitor as the collector holds it now. Secret values are not part of this record. */
export interface MonitorRecord {
  /** Lineage: kept across renames and updates, new on replace. */
  historyId: number;
  id: string;
  name: string;
  spec: MonitorSpec;
  specHash: string;
  /** Keyed fingerprints of the referenced secret values, by name. */
  secretHashes: Record<string, string>;
  revision: number;
  gitRevision: string | null;
  createdAt: number;
  updatedAt: number;
}

export type RevisionAction = 'create' | 'update' | 'rename' | 'replace' | 'delete';

export interface MonitorRevisionRecord {
  historyId: number;
  revision: number;
  monitorId: string;
  action: RevisionAction;
  spec: MonitorSpec;
  specHash: string;
  diff: FieldDiff[];
  gitRevision: string | null;
  appliedAt: number;
}

export interface ArchivedMonitorRecord {
  historyId: number;
  id: string;
  name: string;
  spec: MonitorSpec;
  specHash: string;
  revision: number;
  createdAt: number;
  updatedAt: number;
  archivedAt: number;
  reason: 'delete' | 'replace';
  replacedBy: number | null;
}

/** A new lineage. `replaces` archives that lineage (reason `replace`) in the same transaction. */
export interface MonitorCreate {
  spec: MonitorSpec;
  specHash: string;
  secretHashes: Record<string, string>;
  secrets: Secrets;
  diff: FieldDiff[];
  replaces: number | null;
}

/** A new revision of an existing lineage; `rename` when the id changes. */
export interface MonitorUpdate {
  historyId: number;
  action: 'update' | 'rename';
  spec: MonitorSpec;
  specHash: string;
  secretHashes: Record<string, string>;
  secrets: Secrets;
  diff: FieldDiff[];
}

export interface MonitorWrites {
  gitRevision: string | null;
  /** Time of the change (ms). */
  at: number;
  creates: MonitorCreate[];
  updates: MonitorUpdate[];
  /** Lineages deleted (pruned). */
  deletes: number[];
}

export interface SyncDecision<T> {
  result: T;
  /** null: nothing to write (dry run, or nothing changed). */
  writes: MonitorWrites | null;
}

export interface MonitorStore {
  /** Every current monitor, by id. */
  list(): Promise<MonitorRecord[]>;
  get(id: string): Promise<MonitorRecord | undefined>;
  /** Values of the secrets a monitor references (for runners; never for read APIs). */
  secrets(id: string): Promise<Secrets | undefined>;
  /** Revisions of the lineage currently holding `id`, oldest first. */
  revisions(id: string): Promise<MonitorRevisionRecord[]>;
  /** Archived lineages that held `id`, oldest first. */
  archived(id: string): Promise<ArchivedMonitorRecord[]>;
  /**
   * Exclusive read-decide-write: loads the current monitors, calls `decide` with them and writes
   * what it returns, all in one transaction. Calls serialize (no lost update); a throw from
   * `decide` or from a write leaves the store unchanged.
   */
  sync<T>(decide: (current: MonitorRecord[]) => SyncDecision<T>): Promise<T>;
}

/** Small named values the collector keeps for itself (admin token hash, hashing key). */
export interface SettingsStore {
  get(key: string): Promise<string | undefined>;
  /** Sets `key` only if unset; returns the value now stored (the existing one if it was set). */
  setIfAbsent(key: string, value: string): Promise<string>;
}

export interface Store {
  readonly monitors: MonitorStore;
  readonly settings: SettingsStore;
  /** The engine's loads and batched writes (runtime-types.ts). */
  readonly runtime: RuntimeStore;
  readonly checks: CheckStore;
  readonly incidents: IncidentStore;
  /** Incident delivery: alerts, outbox, issue numbers (alert-types.ts). */
  readonly alerts: AlertStore;
  /** Reads of the status side: catalog, states, incidents, rollups (status-types.ts). */
  readonly status: StatusStore;
  /** Pruning by age and materializing maintenance spans (retention-types.ts). */
  readonly retention: RetentionStore;
  /** Whether writes reach storage (disk full, I/O errors), for /readyz (errors.ts). */
  readonly storage: StorageHealth;
  /** Collectors sharing the store: members and shard leases (cluster-types.ts). */
  readonly cluster: ClusterStore;
  close(): Promise<void>;
}
