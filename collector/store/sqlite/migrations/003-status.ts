import type { Migration } from '../migrate.ts';
import { statusMigrationSql } from '../rollup-schema.ts';

// Status: hourly rollups kept by triggers on `checks`, the latest TLS expiry per
// lineage and region, spans excluded from uptime (paused, maintenance) and generation counters.
// The SQL and why it is made of triggers: collector/store/sqlite/rollup-schema.ts.
export const statusMigration: Migration = {
  version: 3,
  name: 'status',
  up: statusMigrationSql(),
};
