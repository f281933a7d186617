// Pruning on SQLite: each step deletes at most `batch` rows of one table in its own short write
// transaction, found through an index on time, so an engine flush never waits behind a long
// delete. Deleting checks fires no trigger: rollups keep what they counted. Incidents and their
// events are left alone: issue delivery (the outbox) refers to them.
import { materializeMaintenance } from '../rollups/sqlite/maintenance-job.ts';
import type { CatalogEntry } from '../status/store-types.ts';
import type { SqliteDatabase } from '../store/sqlite/database.ts';
import type { Cutoffs } from './policy.ts';
import type { RetentionStore, RetentionTarget } from './types.ts';

/** One bounded DELETE per target; `?1` is the cutoff, `?2` the batch size. */
const STEPS: Record<RetentionTarget, { sql: string; cutoff: keyof Cutoffs }> = {
  checks: {
    sql: 'DELETE FROM checks WHERE id IN (SELECT id FROM checks WHERE started_at < ?1 ORDER BY started_at LIMIT ?2)',
    cutoff: 'checks',
  },
  check_logs: {
    sql: `DELETE FROM check_logs WHERE job_id IN
            (SELECT job_id FROM check_logs WHERE started_at < ?1 ORDER BY started_at LIMIT ?2)`,
    cutoff: 'logs',
  },
  rollups: {
    sql: `DELETE FROM rollups WHERE (hour, history_id, region) IN
            (SELECT hour, history_id, region FROM rollups WHERE hour < ?1 ORDER BY hour LIMIT ?2)`,
    cutoff: 'rollups',
  },
  monitor_spans: {
    sql: 'DELETE FROM monitor_spans WHERE id IN (SELECT id FROM monitor_spans WHERE end_at < ?1 ORDER BY end_at LIMIT ?2)',
    cutoff: 'rollups',
  },
};

export class SqliteRetention implements RetentionStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /** Deletes up to `batch` expired rows of `target`; returns how many went. */
  step(target: RetentionTarget, cutoffs: Cutoffs, batch: number): Promise<number> {
    const { sql, cutoff } = STEPS[target];
    return this.#db.write(async (tx) => (await tx.run(sql, [cutoffs[cutoff], batch])).changes);
  }

  materializeMaintenance(catalog: readonly CatalogEntry[], now: number): Promise<number> {
    return materializeMaintenance(this.#db, catalog, now);
  }
}
