// Retention on PostgreSQL. Checks: a day partition wholly before the cutoff is dropped in one
// step (no row-by-row delete, no table bloat); the day the cutoff falls in is deleted from in
// batches like every other table. Each step is one short transaction, so a flush waits for at
// most one. Rollups keep what they counted (no trigger counts deletions). Incidents and their
// events stay; outbox rows go once their alert has been closed for longer than logs are kept.
// Maintenance spans are materialized from the windows declared now (as ../sqlite/maintenance-job.ts).
import { maintenanceSpans } from '../../rollups/maintenance.ts';
import { DAY_MS } from '../../rollups/uptime.ts';
import type { Cutoffs, RetentionStore, RetentionTarget } from '../retention-types.ts';
import type { CatalogEntry } from '../status-types.ts';
import type { PgDatabase } from './database.ts';
import type { CheckPartitions } from './partitions.ts';

/** One bounded DELETE per target; `$1` is the cutoff, `$2` the batch size. */
const STEPS: Record<RetentionTarget, { sql: string; cutoff: keyof Cutoffs }> = {
  checks: {
    sql: `DELETE FROM checks WHERE (id, started_at) IN
            (SELECT id, started_at FROM checks WHERE started_at < $1 ORDER BY started_at LIMIT $2)`,
    cutoff: 'checks',
  },
  check_logs: {
    sql: `DELETE FROM check_logs WHERE job_id IN
            (SELECT job_id FROM check_logs WHERE started_at < $1 ORDER BY started_at LIMIT $2)`,
    cutoff: 'logs',
  },
  rollups: {
    sql: `DELETE FROM rollups WHERE (hour, history_id, region) IN
            (SELECT hour, history_id, region FROM rollups WHERE hour < $1 ORDER BY hour LIMIT $2)`,
    cutoff: 'rollups',
  },
  monitor_spans: {
    sql: `DELETE FROM monitor_spans WHERE id IN
            (SELECT id FROM monitor_spans WHERE end_at < $1 ORDER BY end_at LIMIT $2)`,
    cutoff: 'rollups',
  },
  outbox: {
    sql: `DELETE FROM outbox WHERE id IN
            (SELECT o.id FROM alerts a JOIN outbox o ON o.alert_id = a.id
             WHERE a.closed_at < $1 AND o.state <> 'pending' ORDER BY a.closed_at LIMIT $2)`,
    cutoff: 'logs',
  },
};

/** How long a partition drop waits for its lock, and the SQLSTATE when it gave up. */
const LOCK_WAIT = '2s';
const LOCK_NOT_AVAILABLE = '55P03';

/** A monitor never materialized starts at most this far back. */
const LOOKBACK_MS = 90 * DAY_MS;
/** Monitors per write transaction. */
const CHUNK = 200;

export class PgRetention implements RetentionStore {
  readonly #db: PgDatabase;
  readonly #partitions: CheckPartitions;

  constructor(db: PgDatabase, partitions: CheckPartitions) {
    this.#db = db;
    this.#partitions = partitions;
  }

  async step(target: RetentionTarget, cutoffs: Cutoffs, batch: number): Promise<number> {
    const { sql, cutoff } = STEPS[target];
    const dropped = target === 'checks' ? await this.#dropExpiredDays(cutoffs.checks) : 0;
    return dropped + (await this.#db.write((tx) => tx.run(sql, [cutoffs[cutoff], batch])));
  }

  /**
   * Drops every day partition that ends at or before `cutoff`; returns the rows they held. A drop
   * locks `checks` for an instant; one that cannot get the lock within LOCK_WAIT (a long read) is
   * left for the next pass, and the batched delete above still makes progress.
   */
  async #dropExpiredDays(cutoff: number): Promise<number> {
    let rows = 0;
    for (const day of (await this.#partitions.list()).filter((p) => p.day + DAY_MS <= cutoff)) {
      const held = await this.#db
        .write(async (tx) => {
          await tx.run(`SET LOCAL lock_timeout = '${LOCK_WAIT}'`);
          const counted = await tx.get<{ n: number }>(`SELECT count(*) AS n FROM ${day.name}`);
          await tx.run(`DROP TABLE ${day.name}`);
          return counted?.n ?? 0;
        })
        .catch((error: unknown) => {
          if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) return null;
          throw error;
        });
      if (held === null) break;
      this.#partitions.dropped(day.day);
      rows += held;
    }
    return rows;
  }

  async materializeMaintenance(catalog: readonly CatalogEntry[], now: number): Promise<number> {
    const withWindows = catalog.filter((m) => m.maintenance.length > 0);
    if (withWindows.length === 0) return 0;
    const progress = new Map(
      (
        await this.#db.reader.all<{ history_id: number; maintenance_until: number }>(
          'SELECT history_id, maintenance_until FROM status_progress',
        )
      ).map((r) => [r.history_id, r.maintenance_until]),
    );
    let inserted = 0;
    for (let start = 0; start < withWindows.length; start += CHUNK) {
      const chunk = withWindows.slice(start, start + CHUNK);
      const spans: number[][] = [[], [], []];
      const done: number[] = [];
      for (const m of chunk) {
        const from = Math.max(progress.get(m.historyId) ?? m.createdAt, now - LOOKBACK_MS);
        if (from >= now) continue;
        for (const span of maintenanceSpans(m.maintenance, from, now)) {
          spans[0]!.push(m.historyId);
          spans[1]!.push(span.start);
          spans[2]!.push(span.end);
        }
        done.push(m.historyId);
      }
      if (done.length === 0) continue;
      inserted += await this.#db.write(async (tx) => {
        const n = await tx.run(
          `INSERT INTO monitor_spans (history_id, kind, start_at, end_at)
           SELECT history_id, 'maintenance', start_at, end_at
           FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(history_id, start_at, end_at)`,
          spans,
        );
        await tx.run(
          `INSERT INTO status_progress (history_id, maintenance_until)
           SELECT history_id, $2 FROM unnest($1::bigint[]) AS v(history_id)
           ON CONFLICT (history_id) DO UPDATE SET maintenance_until = excluded.maintenance_until`,
          [done, now],
        );
        return n;
      });
    }
    return inserted;
  }
}
