// The store's side of retention: what any store (SQLite today, PostgreSQL later) implements, so
// the retention job and the Store interface depend on no particular database.
import type { CatalogEntry } from './status-types.ts';

export const RETENTION_TARGETS = ['checks', 'check_logs', 'rollups', 'monitor_spans', 'outbox'] as const;
export type RetentionTarget = (typeof RETENTION_TARGETS)[number];

/** Cut-off times (epoch ms) for one retention pass, from collector/retention/policy.ts. */
export interface Cutoffs {
  /** Checks that started before this are deleted. */
  checks: number;
  logs: number;
  /** Rollup hours and excluded spans that ended before this are deleted. */
  rollups: number;
}

/** Store.retention. */
export interface RetentionStore {
  /** Deletes up to `batch` expired rows of `target` in one short transaction; returns how many went. */
  step(target: RetentionTarget, cutoffs: Cutoffs, batch: number): Promise<number>;
  /** Writes the maintenance spans of [progress, now) for monitors with windows; returns spans written. */
  materializeMaintenance(catalog: readonly CatalogEntry[], now: number): Promise<number>;
}
