// The SQL of the status tables: hourly rollups maintained by triggers on `checks`, pause spans
// and the catalog generation maintained by triggers on `monitors`, and the last TLS expiry seen.
//
// Why triggers: a trigger runs inside the very transaction that writes the check (the engine's
// batched flush), needs no code path of its own, and sees exactly the rows stored: a duplicate
// result ignored by `ON CONFLICT (job_id) DO NOTHING` fires nothing, and a mark counts once, when
// it changes. The counting rules are those of the pure module (../hourly.ts) and a test checks
// both agree on the same checks.
//
// The histogram bucket bounds are part of the stored data: the SQL below is generated from
// BUCKET_BOUNDS once, in the migration; changing the bounds needs a new migration.

import { BUCKET_BOUNDS, BUCKET_COUNT } from '../../rollups/histogram.ts';
import { HOUR_MS, TIMEOUT_REASONS } from '../../rollups/hourly.ts';

export const BUCKET_COLUMNS = Array.from({ length: BUCKET_COUNT }, (_, i) => `b${i}`);

const UNCONFIRMED_MARKS = "('unconfirmed', 'inconclusive')";
const TIMEOUTS = `(${TIMEOUT_REASONS.map((r) => `'${r}'`).join(', ')})`;

/** SQL expression: the bucket index of the response time `rt` (NULL stays NULL). */
function bucketCase(rt: string): string {
  const whens = BUCKET_BOUNDS.map((bound, i) => `WHEN ${rt} <= ${bound} THEN ${i}`).join(' ');
  return `CASE WHEN ${rt} IS NULL THEN NULL ${whens} ELSE ${BUCKET_BOUNDS.length} END`;
}

/**
 * SQL expression: the response time a check row `c` counts with (see responseTimeOf): its total
 * when ok, the monitor's timeout when timed out, else NULL.
 */
function responseTime(c: string): string {
  return `CASE WHEN ${c}.ok = 1 THEN max(${c}.total_ms, 0)
    WHEN ${c}.reason IN ${TIMEOUTS} THEN coalesce(
      (SELECT json_extract(m.spec, '$.timeout') FROM monitors m WHERE m.history_id = ${c}.history_id),
      ${c}.total_ms)
    ELSE NULL END`;
}

const ROLLUP_COLUMNS = [
  'hour',
  'history_id',
  'region',
  'checks',
  'failures',
  'unconfirmed',
  'missed',
  'rt_count',
  'rt_sum',
  'rt_min',
  'rt_max',
  ...BUCKET_COLUMNS,
  'updated_at',
];

/** ON CONFLICT clause adding an increment row to the stored one. */
export const ROLLUP_UPSERT = `ON CONFLICT (hour, history_id, region) DO UPDATE SET
  checks = checks + excluded.checks,
  failures = failures + excluded.failures,
  unconfirmed = unconfirmed + excluded.unconfirmed,
  missed = missed + excluded.missed,
  rt_count = rt_count + excluded.rt_count,
  rt_sum = rt_sum + excluded.rt_sum,
  rt_min = CASE WHEN excluded.rt_min IS NULL THEN rt_min WHEN rt_min IS NULL THEN excluded.rt_min
                ELSE min(rt_min, excluded.rt_min) END,
  rt_max = CASE WHEN excluded.rt_max IS NULL THEN rt_max WHEN rt_max IS NULL THEN excluded.rt_max
                ELSE max(rt_max, excluded.rt_max) END,
  ${BUCKET_COLUMNS.map((b) => `${b} = ${b} + excluded.${b}`).join(', ')},
  updated_at = max(updated_at, excluded.updated_at)`;

export const ROLLUP_INSERT_COLUMNS: readonly string[] = ROLLUP_COLUMNS;

/** One increment row per check `c` (a table alias or `new`), as a SELECT list. */
function checkIncrement(c: string, rt: string, bucket: string): string {
  return [
    `(${c}.started_at / ${HOUR_MS}) * ${HOUR_MS}`,
    `${c}.history_id`,
    `${c}.region`,
    '1',
    `1 - ${c}.ok`,
    `(${c}.ok = 0 AND coalesce(${c}.mark IN ${UNCONFIRMED_MARKS}, 0))`,
    '0',
    `(${rt} IS NOT NULL)`,
    `coalesce(${rt}, 0)`,
    rt,
    rt,
    ...BUCKET_COLUMNS.map((_, i) => `coalesce(${bucket} = ${i}, 0)`),
    `${c}.received_at`,
  ].join(', ');
}

/** Statements of the status migration. */
export function statusMigrationSql(): string {
  return `
    -- One row per lineage, region and hour (epoch ms of the hour's start, UTC). Region '' holds
    -- rounds missed before a region was chosen. b0..b${BUCKET_COUNT - 1}: response-time histogram
    -- (collector/rollups/histogram.ts). Hour first: retention and "the last 24 hours" are ranges.
    CREATE TABLE rollups (
      hour INTEGER NOT NULL,
      history_id INTEGER NOT NULL,
      region TEXT NOT NULL,
      checks INTEGER NOT NULL DEFAULT 0,
      failures INTEGER NOT NULL DEFAULT 0,
      unconfirmed INTEGER NOT NULL DEFAULT 0,
      missed INTEGER NOT NULL DEFAULT 0,
      rt_count INTEGER NOT NULL DEFAULT 0,
      rt_sum REAL NOT NULL DEFAULT 0,
      rt_min REAL,
      rt_max REAL,
      ${BUCKET_COLUMNS.map((b) => `${b} INTEGER NOT NULL DEFAULT 0`).join(',\n      ')},
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (hour, history_id, region)
    ) WITHOUT ROWID;
    CREATE INDEX rollups_by_history ON rollups (history_id, hour);

    -- Rollups of checks stored before this migration.
    INSERT INTO rollups (${ROLLUP_COLUMNS.join(', ')})
    SELECT hour, history_id, region, count(*), sum(failure), sum(unconfirmed), 0, sum(rt IS NOT NULL),
           coalesce(sum(rt), 0), min(rt), max(rt),
           ${BUCKET_COLUMNS.map((_, i) => `sum(coalesce(bucket = ${i}, 0))`).join(', ')},
           max(received_at)
    FROM (
      SELECT (started_at / ${HOUR_MS}) * ${HOUR_MS} AS hour, history_id, region, 1 - ok AS failure,
             (ok = 0 AND coalesce(mark IN ${UNCONFIRMED_MARKS}, 0)) AS unconfirmed, rt,
             ${bucketCase('rt')} AS bucket, received_at
      FROM (SELECT c.*, ${responseTime('c')} AS rt FROM checks c)
    )
    GROUP BY hour, history_id, region;

    CREATE TRIGGER rollups_check_insert AFTER INSERT ON checks
    BEGIN
      INSERT INTO rollups (${ROLLUP_COLUMNS.join(', ')})
      SELECT ${checkIncrement('new', 'x.rt', 'x.bucket')}
      FROM (SELECT r.rt, ${bucketCase('r.rt')} AS bucket FROM (SELECT ${responseTime('new')} AS rt) r) x
      WHERE true
      ${ROLLUP_UPSERT};
    END;

    -- A mark arrives after its check: an unconfirmed (or inconclusive) failure counts when marked,
    -- and uncounts if a mark ever changes away from those.
    CREATE TRIGGER rollups_check_mark AFTER UPDATE OF mark ON checks
    WHEN new.ok = 0 AND coalesce(old.mark IN ${UNCONFIRMED_MARKS}, 0) <> coalesce(new.mark IN ${UNCONFIRMED_MARKS}, 0)
    BEGIN
      UPDATE rollups
      SET unconfirmed = unconfirmed + CASE WHEN coalesce(new.mark IN ${UNCONFIRMED_MARKS}, 0) THEN 1 ELSE -1 END
      WHERE hour = (new.started_at / ${HOUR_MS}) * ${HOUR_MS} AND history_id = new.history_id
        AND region = new.region;
    END;

    -- The latest certificate expiry seen per lineage and region (for /metrics).
    CREATE TABLE tls_expiry (
      history_id INTEGER NOT NULL,
      region TEXT NOT NULL,
      checked_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (history_id, region)
    ) WITHOUT ROWID;
    CREATE TRIGGER tls_expiry_check_insert AFTER INSERT ON checks
    WHEN json_extract(new.detail, '$.tls.validTo') IS NOT NULL
    BEGIN
      INSERT INTO tls_expiry (history_id, region, checked_at, expires_at)
      SELECT new.history_id, new.region, new.started_at,
             CAST(unixepoch(json_extract(new.detail, '$.tls.validTo'), 'subsec') * 1000 AS INTEGER)
      WHERE unixepoch(json_extract(new.detail, '$.tls.validTo')) IS NOT NULL
      ON CONFLICT (history_id, region) DO UPDATE SET checked_at = excluded.checked_at,
        expires_at = excluded.expires_at
      WHERE excluded.checked_at >= tls_expiry.checked_at;
    END;

    -- Spans excluded from uptime: 'paused' (kept by the triggers below from the monitors table;
    -- end NULL while paused) and 'maintenance' (materialized by the span job from the windows
    -- declared at the time, up to status_progress.maintenance_until).
    CREATE TABLE monitor_spans (
      id INTEGER PRIMARY KEY,
      history_id INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('paused', 'maintenance')),
      start_at INTEGER NOT NULL,
      end_at INTEGER
    );
    CREATE INDEX monitor_spans_by_history ON monitor_spans (history_id, start_at);
    CREATE INDEX monitor_spans_by_end ON monitor_spans (end_at);

    CREATE TABLE status_progress (
      history_id INTEGER PRIMARY KEY,
      maintenance_until INTEGER NOT NULL
    );

    -- Generation counters: readers cache what they derive from monitors and spans and reload
    -- only when these change.
    CREATE TABLE status_meta (
      key TEXT PRIMARY KEY,
      value INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO status_meta (key, value) VALUES ('catalog', 1), ('spans', 1);

    INSERT INTO monitor_spans (history_id, kind, start_at, end_at)
    SELECT history_id, 'paused', updated_at, NULL FROM monitors WHERE json_extract(spec, '$.paused') = 1;

    CREATE TRIGGER status_monitor_insert AFTER INSERT ON monitors
    BEGIN
      UPDATE status_meta SET value = value + 1 WHERE key = 'catalog';
      INSERT INTO monitor_spans (history_id, kind, start_at, end_at)
      SELECT new.history_id, 'paused', new.updated_at, NULL WHERE json_extract(new.spec, '$.paused') = 1;
    END;

    CREATE TRIGGER status_monitor_update AFTER UPDATE ON monitors
    BEGIN
      UPDATE status_meta SET value = value + 1 WHERE key = 'catalog';
      UPDATE monitor_spans SET end_at = new.updated_at
      WHERE history_id = new.history_id AND kind = 'paused' AND end_at IS NULL
        AND coalesce(json_extract(new.spec, '$.paused'), 0) = 0;
      INSERT INTO monitor_spans (history_id, kind, start_at, end_at)
      SELECT new.history_id, 'paused', new.updated_at, NULL
      WHERE json_extract(new.spec, '$.paused') = 1
        AND NOT EXISTS (SELECT 1 FROM monitor_spans
                        WHERE history_id = new.history_id AND kind = 'paused' AND end_at IS NULL);
    END;

    CREATE TRIGGER status_monitor_delete AFTER DELETE ON monitors
    BEGIN
      UPDATE status_meta SET value = value + 1 WHERE key = 'catalog';
      UPDATE monitor_spans
      SET end_at = coalesce((SELECT archived_at FROM archived_monitors WHERE history_id = old.history_id), old.updated_at)
      WHERE history_id = old.history_id AND kind = 'paused' AND end_at IS NULL;
    END;

    CREATE TRIGGER status_spans_insert AFTER INSERT ON monitor_spans
    BEGIN
      UPDATE status_meta SET value = value + 1 WHERE key = 'spans';
    END;
    CREATE TRIGGER status_spans_update AFTER UPDATE ON monitor_spans
    BEGIN
      UPDATE status_meta SET value = value + 1 WHERE key = 'spans';
    END;
    CREATE TRIGGER status_spans_delete AFTER DELETE ON monitor_spans
    BEGIN
      UPDATE status_meta SET value = value + 1 WHERE key = 'spans';
    END;
  `;
}
