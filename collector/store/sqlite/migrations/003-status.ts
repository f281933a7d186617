import { statusMigrationSql } from '../../../rollups/sqlite/schema.ts';
import type { Migration } from '../migrate.ts';

// Status (issue 8): hourly rollups kept by triggers on `checks`, the latest TLS expiry per
// lineage and region, spans excluded from uptime (paused, maintenance) and generation counters.
// The SQL and why it is made of triggers: collector/rollups/sqlite/schema.ts.
export const statusMigration: Migration = {
  version: 3,
  name: 'status',
  up: statusMigrationSql(),
};
