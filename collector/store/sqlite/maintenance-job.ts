// Materializes maintenance windows into `monitor_spans` as time passes: for every monitor with
// windows, the spans of [its progress, now) computed from the windows declared NOW, then the
// progress moves to `now`. So history keeps the windows that were in force when time passed, and
// a window edited or removed later does not rewrite past uptime. The status reads the stored spans
// plus the short tail since the progress (collector/status/service.ts).

import { maintenanceSpans } from '../../rollups/maintenance.ts';
import { DAY_MS } from '../../rollups/uptime.ts';
import type { CatalogEntry } from '../status-types.ts';
import type { SqliteDatabase } from './database.ts';

/** A monitor never materialized starts at most this far back. */
const LOOKBACK_MS = 90 * DAY_MS;
/** Monitors per write transaction. */
const CHUNK = 200;

export async function materializeMaintenance(
  db: SqliteDatabase,
  catalog: readonly CatalogEntry[],
  now: number,
): Promise<number> {
  const withWindows = catalog.filter((m) => m.maintenance.length > 0);
  if (withWindows.length === 0) return 0;
  const progress = new Map(
    (
      await db.reader.all<{ history_id: number; maintenance_until: number }>(
        'SELECT history_id, maintenance_until FROM status_progress',
      )
    ).map((r) => [r.history_id, r.maintenance_until]),
  );
  let inserted = 0;
  for (let start = 0; start < withWindows.length; start += CHUNK) {
    const chunk = withWindows.slice(start, start + CHUNK);
    inserted += await db.write(async (tx) => {
      let n = 0;
      for (const m of chunk) {
        const from = Math.max(progress.get(m.historyId) ?? m.createdAt, now - LOOKBACK_MS);
        if (from >= now) continue;
        for (const span of maintenanceSpans(m.maintenance, from, now)) {
          await tx.run('INSERT INTO monitor_spans (history_id, kind, start_at, end_at) VALUES (?, ?, ?, ?)', [
            m.historyId,
            'maintenance',
            span.start,
            span.end,
          ]);
          n++;
        }
        await tx.run(
          `INSERT INTO status_progress (history_id, maintenance_until) VALUES (?, ?)
           ON CONFLICT (history_id) DO UPDATE SET maintenance_until = excluded.maintenance_until`,
          [m.historyId, now],
        );
      }
      return n;
    });
  }
  return inserted;
}
