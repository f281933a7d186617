// Pruning on SQLite: each step deletes at most `batch` rows of one table in its own short write
// transaction, found through an index on time, so an engine flush never waits behind a long
// delete. Deleting checks fires no trigger: rollups keep what they counted. Incidents and their
// events are left alone: issue delivery refers to them. Outbox rows go once their alert has been
// closed for longer than logs are kept.

import type { Cutoffs, RetentionStore, RetentionTarget } from '../retention-types.ts';
import type { CatalogEntry } from '../status-types.ts';
import type { SqliteDatabase } from './database.ts';
import { materializeMaintenance } from './maintenance-job.ts';

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
  // Delivery rows (their snapshots carry response logs) of alerts closed before the logs' cutoff:
  // nothing is left to deliver for them. The alert and its delivery state (issue number, URL)
  // stay. Found through alerts_by_closed, then outbox_by_alert.
  outbox: {
    sql: `DELETE FROM outbox WHERE id IN
            (SELECT o.id FROM alerts a JOIN outbox o ON o.alert_id = a.id
             WHERE a.closed_at < ?1 AND o.state <> 'pending' ORDER BY a.closed_at LIMIT ?2)`,
    cutoff: 'logs',
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
