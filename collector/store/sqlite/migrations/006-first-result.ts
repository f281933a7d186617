import type { Migration } from '../migrate.ts';

// Uptime counts from a monitor's first result, not from its creation: the time before it is no
// data (neither up nor down). monitor_histories.first_result_at is the start of the lineage's
// first stored check, kept by a trigger (one indexed look-up per check; the update runs once per
// lineage) that also moves the catalog generation, so the status snapshot reloads it.
export const firstResultMigration: Migration = {
  version: 6,
  name: 'first-result',
  up: `
    ALTER TABLE monitor_histories ADD COLUMN first_result_at INTEGER;
    -- Backfill from what is left of history: raw checks are kept 30 days, hourly rollups 400, so a
    -- lineage's first result is its first rollup hour with checks (to the hour) or first check.
    CREATE TEMP TABLE first_seen (history_id INTEGER PRIMARY KEY, at INTEGER NOT NULL);
    INSERT INTO first_seen (history_id, at)
      SELECT history_id, min(at) FROM (
        SELECT history_id, hour AS at FROM rollups WHERE checks > 0
        UNION ALL
        SELECT history_id, started_at AS at FROM checks
      ) GROUP BY history_id;
    UPDATE monitor_histories
      SET first_result_at = (SELECT at FROM first_seen f WHERE f.history_id = monitor_histories.history_id);
    DROP TABLE first_seen;

    CREATE TRIGGER checks_first_result AFTER INSERT ON checks
    WHEN (SELECT first_result_at FROM monitor_histories WHERE history_id = new.history_id) IS NULL
    BEGIN
      UPDATE monitor_histories SET first_result_at = new.started_at WHERE history_id = new.history_id;
      UPDATE status_meta SET value = value + 1 WHERE key = 'catalog';
    END;
  `,
};
