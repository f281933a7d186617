// One row per job whose check is stored: the cluster-wide guard that makes a result stored once
// even when two collectors flush it at the same moment (a runner that moved from one collector to
// another sends again what the first had just accepted). `checks` is partitioned by day on
// started_at, so a unique index there must contain started_at, and started_at is not fixed per
// job (it comes from the runner's report, judged against the time each collector received it).
// The flush statement inserts here first, `ON CONFLICT (job_id) DO NOTHING`, and stores only the
// checks whose row it inserted: a second collector flushing the same job waits for the first's
// transaction on the primary key and then stores nothing.
// Only recent jobs need a key: no collector takes a result later than an hour after its round
// (engine/late-results.ts), so each flush deletes up to twice its own size of keys over a day old
// (rows another flush is deleting are skipped, never waited for); older duplicates are still left
// out by the statement's look-up in `checks` itself.
export const CHECK_JOBS_SQL = `
  CREATE TABLE check_jobs (
    job_id TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL
  );
  CREATE INDEX check_jobs_by_time ON check_jobs (started_at);
  INSERT INTO check_jobs (job_id, started_at)
    SELECT job_id, min(started_at) FROM checks
    WHERE started_at > (SELECT max(started_at) FROM checks) - 86400000
    GROUP BY job_id
    ON CONFLICT (job_id) DO NOTHING;
`;
