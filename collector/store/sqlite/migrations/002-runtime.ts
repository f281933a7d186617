import type { Migration } from '../migrate.ts';

// What the running collector produces. History hangs off the lineage (`history_id`), so a rename
// keeps it and a replace starts anew; rows are never deleted with a monitor (retention prunes by
// time). Times are epoch ms.
// - checks: one row per check result; paging by (history_id, started_at, id); the time index
//   serves retention and the impairment replay at start. `mark`: unconfirmed / inconclusive /
//   impaired (the verdict's marks on stored results).
// - check_logs: response logs of failing checks, keyed by job id (kept longer than checks).
// - monitor_states: the verdict's state per lineage, rewritten on every change.
// - incidents + incident_events: one row per incident (down, flapping, region...) and the ordered
//   events the verdict emitted for it (what issue delivery reads).
// - runners: registered runners; sessions survive a restart (token kept as sha256).
export const runtimeMigration: Migration = {
  version: 2,
  name: 'runtime',
  up: `
    CREATE TABLE runners (
      id TEXT PRIMARY KEY,
      region TEXT NOT NULL,
      name TEXT NOT NULL,
      version TEXT NOT NULL,
      concurrency INTEGER NOT NULL,
      embedded INTEGER NOT NULL,
      token_hash TEXT NOT NULL UNIQUE,
      registered_at INTEGER NOT NULL,
      last_seen INTEGER NOT NULL,
      deregistered_at INTEGER
    ) WITHOUT ROWID;

    CREATE TABLE checks (
      id INTEGER PRIMARY KEY,
      job_id TEXT NOT NULL UNIQUE,
      history_id INTEGER NOT NULL REFERENCES monitor_histories (history_id),
      monitor_id TEXT NOT NULL,
      region TEXT NOT NULL,
      runner_id TEXT,
      purpose TEXT NOT NULL CHECK (purpose IN ('scheduled', 'verify', 'down-round', 'recovery')),
      round_id TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      due_at INTEGER NOT NULL,
      claimed_at INTEGER NOT NULL,
      received_at INTEGER NOT NULL,
      ok INTEGER NOT NULL,
      reason TEXT,
      message TEXT NOT NULL,
      status INTEGER,
      http_version TEXT,
      remote_ip TEXT,
      remote_family INTEGER,
      total_ms REAL,
      timings TEXT NOT NULL,
      tls_days_left INTEGER,
      detail TEXT NOT NULL,
      mark TEXT CHECK (mark IN ('unconfirmed', 'inconclusive', 'impaired')),
      has_log INTEGER NOT NULL
    );
    CREATE INDEX checks_by_history ON checks (history_id, started_at, id);
    CREATE INDEX checks_by_time ON checks (started_at);

    CREATE TABLE check_logs (
      job_id TEXT PRIMARY KEY,
      history_id INTEGER NOT NULL,
      started_at INTEGER NOT NULL,
      log TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX check_logs_by_time ON check_logs (started_at);

    CREATE TABLE monitor_states (
      history_id INTEGER PRIMARY KEY REFERENCES monitor_histories (history_id),
      monitor_id TEXT NOT NULL,
      state TEXT NOT NULL,
      since INTEGER NOT NULL,
      verdict TEXT NOT NULL,
      last_round_at INTEGER,
      last_results TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    );

    CREATE TABLE incidents (
      id TEXT PRIMARY KEY,
      history_id INTEGER REFERENCES monitor_histories (history_id),
      monitor_id TEXT,
      region TEXT,
      kind TEXT NOT NULL CHECK (kind IN ('down', 'flapping', 'certificate', 'region')),
      start_at INTEGER NOT NULL,
      end_at INTEGER,
      last_failure INTEGER NOT NULL,
      failed_checks INTEGER NOT NULL,
      reason TEXT,
      first_job_id TEXT,
      suppressed INTEGER NOT NULL,
      opened_at INTEGER NOT NULL,
      resolved_at INTEGER,
      resolve_cause TEXT,
      updated_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX incidents_by_start ON incidents (start_at, id);
    CREATE INDEX incidents_by_history ON incidents (history_id, start_at);
    CREATE INDEX incidents_open ON incidents (resolved_at) WHERE resolved_at IS NULL;

    CREATE TABLE incident_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      incident_id TEXT NOT NULL REFERENCES incidents (id),
      type TEXT NOT NULL,
      cause TEXT,
      at INTEGER NOT NULL,
      event TEXT NOT NULL
    );
    CREATE INDEX incident_events_by_incident ON incident_events (incident_id, seq);
  `,
};
