// The store's side of retention: what any store (SQLite today, PostgreSQL later) implements, so
// the retention job and the Store interface depend on no particular database.
import type { CatalogEntry } from '../status/store-types.ts';
import type { Cutoffs } from './policy.ts';

export const RETENTION_TARGETS = ['checks', 'check_logs', 'rollups', 'monitor_spans', 'outbox'] as const;
export type RetentionTarget = (typeof RETENTION_TARGETS)[number];

/** Store.retention. */
export interface RetentionStore {
  /** Deletes up to `batch` expired rows of `target` in one short transaction; returns how many went. */
  step(target: RetentionTarget, cutoffs: Cutoffs, batch: number): Promise<number>;
  /** Writes the maintenance spans of [progress, now) for monitors with windows; returns spans written. */
  materializeMaintenance(catalog: readonly CatalogEntry[], now: number): Promise<number>;
}
