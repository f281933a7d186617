// The hot write path: a flush's checks, their hourly rollups, the latest TLS expiry and the first
// result of each lineage, in ONE statement of the flush transaction; and marks set later with the
// rollup correction they imply, in another.
//
// Why explicit upserts instead of triggers (the SQLite store uses triggers): the statement's own
// `INSERT ... RETURNING` yields exactly the rows stored (a result sent again is left out, as SQLite's
// `ON CONFLICT DO NOTHING` fires no trigger), so the rollups are one grouped upsert per flush
// rather than one trigger call and one upsert per check, in the same transaction as the checks.
// The counting rules are those of ../../rollups/hourly.ts, as in ../sqlite/rollup-schema.ts.
//
// Job ids are unique per job: a unique index of the partitioned table would have to contain
// started_at, so the statement itself leaves out job ids stored already (an index probe per day
// partition) and duplicates within the batch, and stores only the checks whose row it could
// insert into `check_jobs` (job_id primary key, ./schema-check-jobs.ts): two collectors flushing
// the same job at once (a runner's retry after a failover) store it once, the second waiting on
// the key for the first's transaction, then storing nothing and counting nothing.
import { BUCKET_BOUNDS } from '../../rollups/histogram.ts';
import { HOUR_MS, TIMEOUT_REASONS } from '../../rollups/hourly.ts';
import type { CheckRecord, FlushBatch } from '../runtime-types.ts';
import { byColumn, lastByKey } from './bulk.ts';
import { CHECK_COLUMNS, checkValues, tlsExpiresAt } from './check-rows.ts';
import type { PgTx } from './database.ts';
import { BUCKET_COLUMNS } from './schema-status.ts';

const UNCONFIRMED = "('unconfirmed', 'inconclusive')";
const TIMEOUTS = `(${TIMEOUT_REASONS.map((r) => `'${r}'`).join(', ')})`;
const HOUR = `(started_at / ${HOUR_MS}) * ${HOUR_MS}`;

const BUCKET = `CASE WHEN rt IS NULL THEN NULL ${BUCKET_BOUNDS.map((b, i) => `WHEN rt <= ${b} THEN ${i}`).join(' ')} ELSE ${BUCKET_BOUNDS.length} END`;

/** ON CONFLICT clause adding an increment row to the stored one (NULL-aware min and max). */
export const ROLLUP_UPSERT = `ON CONFLICT (hour, history_id, region) DO UPDATE SET
  checks = rollups.checks + excluded.checks,
  failures = rollups.failures + excluded.failures,
  unconfirmed = rollups.unconfirmed + excluded.unconfirmed,
  missed = rollups.missed + excluded.missed,
  rt_count = rollups.rt_count + excluded.rt_count,
  rt_sum = rollups.rt_sum + excluded.rt_sum,
  rt_min = LEAST(rollups.rt_min, excluded.rt_min),
  rt_max = GREATEST(rollups.rt_max, excluded.rt_max),
  ${BUCKET_COLUMNS.map((b) => `${b} = rollups.${b} + excluded.${b}`).join(', ')},
  updated_at = GREATEST(rollups.updated_at, excluded.updated_at)`;

const ROLLUP_COLUMNS = `hour, history_id, region, checks, failures, unconfirmed, missed, rt_count, rt_sum,
  rt_min, rt_max, ${BUCKET_COLUMNS.join(', ')}, updated_at`;

/** How long a stored job's key is kept in check_jobs (./schema-check-jobs.ts). */
export const JOB_KEYS_KEPT_MS = 24 * HOUR_MS;

const n = CHECK_COLUMNS.length;
const NAMES = CHECK_COLUMNS.map(([name]) => name).join(', ');

/** The statement: $1..$n the check columns, $n+1 the TLS expiry of each (epoch ms or null). */
const INSERT_CHECKS = `
WITH input AS (
  SELECT * FROM unnest(${CHECK_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}, $${n + 1}::bigint[])
    WITH ORDINALITY AS v(${NAMES}, tls_expires_at, ord)
),
fresh AS (
  SELECT DISTINCT ON (job_id) * FROM input i
  WHERE NOT EXISTS (SELECT 1 FROM checks c WHERE c.job_id = i.job_id)
  ORDER BY job_id, ord
),
claimed AS (
  -- In job id order, so two flushes sharing jobs take their keys in one order (no deadlock).
  INSERT INTO check_jobs (job_id, started_at) SELECT job_id, started_at FROM fresh ORDER BY job_id
  ON CONFLICT (job_id) DO NOTHING
  RETURNING job_id
),
pruned AS (
  DELETE FROM check_jobs WHERE job_id IN (
    SELECT job_id FROM check_jobs
    WHERE started_at < (SELECT max(started_at) FROM input) - ${JOB_KEYS_KEPT_MS}
    ORDER BY started_at LIMIT (SELECT 2 * count(*) FROM input)
    FOR UPDATE SKIP LOCKED)
),
ins AS (
  INSERT INTO checks (${NAMES}) SELECT ${NAMES} FROM fresh
  WHERE job_id IN (SELECT job_id FROM claimed) ORDER BY ord
  RETURNING job_id, history_id, region, started_at, received_at, ok, reason, mark, total_ms
),
timed AS MATERIALIZED (
  SELECT ins.*, CASE
    WHEN ok THEN CASE WHEN total_ms IS NULL THEN NULL ELSE GREATEST(total_ms, 0) END
    WHEN reason IN ${TIMEOUTS} THEN coalesce(
      (SELECT (m.spec->>'timeout')::double precision FROM monitors m WHERE m.history_id = ins.history_id),
      total_ms)
    END AS rt
  FROM ins
),
bucketed AS (SELECT timed.*, ${BUCKET} AS bucket FROM timed),
rolled AS (
  INSERT INTO rollups (${ROLLUP_COLUMNS})
  SELECT ${HOUR}, history_id, region, count(*), count(*) FILTER (WHERE NOT ok),
    count(*) FILTER (WHERE NOT ok AND coalesce(mark IN ${UNCONFIRMED}, false)), 0, count(rt),
    coalesce(sum(rt), 0), min(rt), max(rt),
    ${BUCKET_COLUMNS.map((_, i) => `count(*) FILTER (WHERE bucket = ${i})`).join(', ')},
    max(received_at)
  FROM bucketed GROUP BY 1, 2, 3
  ${ROLLUP_UPSERT}
),
tls AS (
  INSERT INTO tls_expiry (history_id, region, checked_at, expires_at)
  SELECT DISTINCT ON (ins.history_id, ins.region) ins.history_id, ins.region, ins.started_at, f.tls_expires_at
  FROM ins JOIN fresh f ON f.job_id = ins.job_id
  WHERE f.tls_expires_at IS NOT NULL
  ORDER BY ins.history_id, ins.region, ins.started_at DESC, f.ord DESC
  ON CONFLICT (history_id, region) DO UPDATE SET checked_at = excluded.checked_at,
    expires_at = excluded.expires_at
  WHERE excluded.checked_at >= tls_expiry.checked_at
),
firsts AS (
  UPDATE monitor_histories h SET first_result_at = f.at
  FROM (SELECT history_id, min(started_at) AS at FROM ins GROUP BY history_id) f
  WHERE h.history_id = f.history_id AND h.first_result_at IS NULL
  RETURNING h.history_id
),
catalog AS (
  UPDATE status_meta SET value = value + 1 WHERE key = 'catalog' AND EXISTS (SELECT 1 FROM firsts)
)
SELECT count(*) AS stored FROM ins`;

/** Stores the checks not stored yet with everything counted from them; returns how many. */
export async function insertChecks(tx: PgTx, checks: readonly CheckRecord[]): Promise<number> {
  if (checks.length === 0) return 0;
  const params = byColumn(checks.map(checkValues), n);
  params.push(checks.map(tlsExpiresAt));
  const row = await tx.get<{ stored: number }>(INSERT_CHECKS, params);
  return row?.stored ?? 0;
}

/**
 * Sets marks on stored checks. An unconfirmed (or inconclusive) failure counts in its hour's
 * rollup when marked so, and uncounts if its mark changes away from those (as SQLite's trigger).
 */
const SET_MARKS = `
WITH v AS (SELECT * FROM unnest($1::text[], $2::text[]) AS v(job_id, mark)),
prev AS (
  SELECT c.id, c.started_at, c.history_id, c.region, c.ok, c.mark AS old_mark, v.mark AS new_mark
  FROM checks c JOIN v ON c.job_id = v.job_id
),
marked AS (
  UPDATE checks c SET mark = p.new_mark FROM prev p WHERE c.id = p.id AND c.started_at = p.started_at
),
delta AS (
  SELECT ${HOUR} AS hour, history_id, region,
    sum(CASE WHEN coalesce(new_mark IN ${UNCONFIRMED}, false) THEN 1 ELSE -1 END) AS d
  FROM prev
  WHERE NOT ok AND coalesce(old_mark IN ${UNCONFIRMED}, false) <> coalesce(new_mark IN ${UNCONFIRMED}, false)
  GROUP BY 1, 2, 3
)
UPDATE rollups r SET unconfirmed = r.unconfirmed + delta.d
FROM delta WHERE r.hour = delta.hour AND r.history_id = delta.history_id AND r.region = delta.region`;

export async function setMarks(tx: PgTx, marks: FlushBatch['marks']): Promise<void> {
  if (marks.length === 0) return;
  const last = lastByKey(marks, (m) => m.jobId);
  await tx.run(SET_MARKS, [last.map((m) => m.jobId), last.map((m) => m.mark)]);
}
