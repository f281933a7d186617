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
    UPDATE monitor_histories
      SET first_result_at = (SELECT min(started_at) FROM checks WHERE checks.history_id = monitor_histories.history_id);

    CREATE TRIGGER checks_first_result AFTER INSERT ON checks
    WHEN (SELECT first_result_at FROM monitor_histories WHERE history_id = new.history_id) IS NULL
    BEGIN
      UPDATE monitor_histories SET first_result_at = new.started_at WHERE history_id = new.history_id;
      UPDATE status_meta SET value = value + 1 WHERE key = 'catalog';
    END;
  `,
};
