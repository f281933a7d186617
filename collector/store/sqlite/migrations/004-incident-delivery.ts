import type { Migration } from '../migrate.ts';

// Incident delivery. Times are epoch ms.
// - alerts: what is announced (domain/alerts.ts `Alert`, whole in `data` as JSON), with the
//   columns queries filter on. One alert wraps one or more verdict incidents (alert_incidents).
// - outbox: sink operations in delivery order (`id`); a lane is (alert_id, sink). Rows are written
//   in the transaction that changes the alert, and never deleted by delivery (the history of
//   what was sent stays for the API).
// - alert_deliveries: per alert and sink, the delivery state and the issue number/URL.
export const incidentDeliveryMigration: Migration = {
  version: 4,
  name: 'incident-delivery',
  up: `
    CREATE TABLE alerts (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('down', 'flapping', 'certificate', 'region')),
      monitor_id TEXT,
      subject TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('open', 'recovering', 'closed')),
      start_at INTEGER NOT NULL,
      closed_at INTEGER,
      updated_at INTEGER NOT NULL,
      data TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX alerts_active ON alerts (subject, kind, start_at) WHERE status <> 'closed';
    CREATE INDEX alerts_by_start ON alerts (start_at, id);
    CREATE INDEX alerts_by_closed ON alerts (closed_at);

    CREATE TABLE alert_incidents (
      incident_id TEXT PRIMARY KEY,
      alert_id TEXT NOT NULL REFERENCES alerts (id)
    ) WITHOUT ROWID;

    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      alert_id TEXT NOT NULL REFERENCES alerts (id),
      sink TEXT NOT NULL,
      op TEXT NOT NULL CHECK (op IN ('open', 'remind', 'resolve')),
      snapshot TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'skipped')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      error_code TEXT,
      error TEXT,
      created_at INTEGER NOT NULL,
      done_at INTEGER
    );
    CREATE INDEX outbox_pending ON outbox (alert_id, sink, id) WHERE state = 'pending';
    CREATE INDEX outbox_by_alert ON outbox (alert_id, sink, id);

    CREATE TABLE alert_deliveries (
      alert_id TEXT NOT NULL REFERENCES alerts (id),
      sink TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'open', 'resolved', 'closed_by_human', 'failed')),
      ref_id TEXT,
      ref_url TEXT,
      error_code TEXT,
      error TEXT,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (alert_id, sink)
    ) WITHOUT ROWID;
  `,
};
