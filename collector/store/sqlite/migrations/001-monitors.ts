import type { Migration } from '../migrate.ts';

// A monitor's identity for history is its lineage (`history_id`), not its text id: a rename keeps
// the lineage, a replace (url or method changed) starts a new one and archives the old. Checks,
// states and incidents (later migrations) reference `monitor_histories`, which is never deleted,
// so history survives deletion and replacement with its foreign keys intact.
// Times are milliseconds since the epoch (UTC).
export const monitorsMigration: Migration = {
  version: 1,
  name: 'monitors',
  up: `
    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE monitor_histories (
      history_id INTEGER PRIMARY KEY AUTOINCREMENT,
      first_id TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );

    CREATE TABLE monitors (
      history_id INTEGER PRIMARY KEY REFERENCES monitor_histories (history_id),
      id TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      -- MonitorSpec as JSON; secret references stay as \${NAME}.
      spec TEXT NOT NULL,
      spec_hash TEXT NOT NULL,
      -- {NAME: keyed fingerprint of the value}: how a plan notices a changed secret.
      secret_hashes TEXT NOT NULL,
      -- {NAME: value} for the runners; no read API returns this column.
      secret_values TEXT NOT NULL,
      revision INTEGER NOT NULL,
      git_revision TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );

    -- Every applied change of a lineage (create, update, rename, replace, delete), with the git
    -- revision that carried it. Secret values are never kept here.
    CREATE TABLE monitor_revisions (
      history_id INTEGER NOT NULL REFERENCES monitor_histories (history_id),
      revision INTEGER NOT NULL,
      monitor_id TEXT NOT NULL,
      action TEXT NOT NULL CHECK (action IN ('create', 'update', 'rename', 'replace', 'delete')),
      spec TEXT NOT NULL,
      spec_hash TEXT NOT NULL,
      diff TEXT NOT NULL,
      git_revision TEXT,
      applied_at INTEGER NOT NULL,
      PRIMARY KEY (history_id, revision)
    ) WITHOUT ROWID;

    -- Lineages that ended: deleted (pruned) or replaced by a new lineage under the same id.
    CREATE TABLE archived_monitors (
      history_id INTEGER PRIMARY KEY REFERENCES monitor_histories (history_id),
      id TEXT NOT NULL,
      name TEXT NOT NULL,
      spec TEXT NOT NULL,
      spec_hash TEXT NOT NULL,
      revision INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      archived_at INTEGER NOT NULL,
      reason TEXT NOT NULL CHECK (reason IN ('delete', 'replace')),
      replaced_by INTEGER REFERENCES monitor_histories (history_id),
      git_revision TEXT
    );
    CREATE INDEX archived_monitors_by_id ON archived_monitors (id, archived_at);
  `,
};
