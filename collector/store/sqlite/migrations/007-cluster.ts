import type { Migration } from '../migrate.ts';

// Members and shard leases (ARCHITECTURE.md "Cluster"). The embedded file has one collector, which
// holds every shard; the rows say so to readers that look (the same tables as PostgreSQL).
export const clusterMigration: Migration = {
  version: 7,
  name: 'cluster',
  up: `
    CREATE TABLE cluster_members (
      member_id TEXT PRIMARY KEY,
      url TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      heartbeat_at INTEGER NOT NULL
    );
    CREATE TABLE shard_leases (
      shard INTEGER PRIMARY KEY,
      owner TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      epoch INTEGER NOT NULL
    );
  `,
};
