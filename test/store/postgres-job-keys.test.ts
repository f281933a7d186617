// Results idempotent by job id across collectors: two stores on one PostgreSQL schema (two
// collectors) flush the same job at the same moment (a runner sent again, after a failover, what
// the first collector had just accepted), with start times that differ (each collector judges the
// runner's start time against its own receipt). A's flush transaction is held open by its
// incident sink after its checks are written; B flushes meanwhile. The job is stored once and
// counted once in the hour's rollup, whichever way the race goes.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../collector/store/postgres/index.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { batch, checkRecord, create, incidentEvent, T0, writes } from './fixtures.ts';
import { dropSchema, freshSchema, PG_URL, requirePostgres, schemaUrl } from './postgres-support.ts';

if (await requirePostgres('job keys across collectors')) {
  const schema = freshSchema();
  afterAll(() => dropSchema(schema));

  describe('one job flushed by two collectors at once', () => {
    it('is stored once and counted once', async () => {
      const a = await openPostgresStore({ url: schemaUrl(schema) });
      const b = await openPostgresStore({ url: schemaUrl(schema) });
      const watch = new pg.Client({ connectionString: PG_URL });
      await watch.connect();
      try {
        await a.monitors.sync(() => ({
          result: null,
          writes: writes({ creates: [create(makeSpec('m1'))] }),
        }));
        const h = (await a.monitors.list())[0]!.historyId;

        let inside!: () => void;
        const aInside = new Promise<void>((done) => (inside = done));
        let release!: () => void;
        const gate = new Promise<void>((done) => (release = done));
        a.runtime.setIncidentSink(async () => {
          inside();
          await gate;
        });
        const flushA = a.runtime.flush(
          batch({ checks: [checkRecord('job-1', h, T0, false)], events: [incidentEvent(h)] }),
        );
        await aInside; // A's checks are written, its transaction still open
        let bDone = false;
        const flushB = b.runtime
          .flush(batch({ checks: [checkRecord('job-1', h, T0 + 1_000, false)] }))
          .finally(() => (bDone = true));
        // Release A once B either finished (nothing held it) or waits for a lock.
        for (;;) {
          const waiting = await watch.query(
            `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
            [`vigil/${schema}`],
          );
          if (bDone || (waiting.rowCount ?? 0) > 0) break;
          await new Promise((done) => setTimeout(done, 20));
        }
        release();
        await Promise.all([flushA, flushB]);

        const rows = await watch.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${schema}".checks WHERE job_id = 'job-1'`,
        );
        const rollup = await watch.query<{ checks: number; failures: number }>(
          `SELECT sum(checks)::int AS checks, sum(failures)::int AS failures FROM "${schema}".rollups WHERE history_id = $1`,
          [h],
        );
        expect({ stored: rows.rows[0]!.n, ...rollup.rows[0] }).toEqual({ stored: 1, checks: 1, failures: 1 });
      } finally {
        a.runtime.setIncidentSink(null);
        await watch.end();
        await a.close();
        await b.close();
      }
    }, 60_000);
  });
}
