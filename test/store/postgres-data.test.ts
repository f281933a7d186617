// What the PostgreSQL store does its own way, checked through its real flush path: rollups upserted
// in the statement that stores the checks agree with the pure arithmetic (collector/rollups/), the
// checks table is partitioned by day and retention drops whole days, and values SQLite keeps but
// PostgreSQL refuses as they are (NUL, lone surrogates) or rows given twice in one batch are stored.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../collector/domain/regions.ts';
import { BUCKET_COUNT } from '../../collector/rollups/histogram.ts';
import { HOUR_MS, type HourlyRollup, type RollupCheck, rollupBatch } from '../../collector/rollups/hourly.ts';
import { DAY_MS } from '../../collector/rollups/uptime.ts';
import { openPostgresStore, type PostgresStore } from '../../collector/store/postgres/index.ts';
import type { CheckRecord } from '../../collector/store/runtime-types.ts';
import type { Mark } from '../../collector/verdict/types.ts';
import type { FailureReason } from '../../probe/types.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { batch, checkRecord, create, runnerRecord, storedState, T0, tlsDetail, writes } from './fixtures.ts';
import { dropSchema, freshSchema, requirePostgres, SchemaCleaner, schemaUrl } from './postgres-support.ts';

if (await requirePostgres('PostgreSQL store data')) {
  const schema = freshSchema();
  const cleaner = new SchemaCleaner(schema);
  let store: PostgresStore;
  beforeAll(async () => {
    await (await openPostgresStore({ url: schemaUrl(schema) })).close();
  });
  afterAll(async () => {
    await cleaner.end();
    await dropSchema(schema);
  });
  beforeEach(async () => {
    store = await openPostgresStore({ url: schemaUrl(schema) });
    // m1 (lineage 1) times out at 15 s, m2 (lineage 2) at 5 s.
    await store.monitors.sync(() => ({
      result: null,
      writes: writes({
        creates: [create(makeSpec('m1', { timeout: 15_000 })), create(makeSpec('m2', { timeout: 5_000 }))],
      }),
    }));
  });
  afterEach(async () => {
    await store.close();
    await cleaner.empty();
  });

  const record = (
    id: string,
    historyId: number,
    region: string,
    at: number,
    ok: boolean,
    extra: Partial<CheckRecord> = {},
  ) => checkRecord(id, historyId, at, ok, { region, message: ok ? 'ok' : 'failed', ...extra });

  async function stored(): Promise<Map<string, HourlyRollup>> {
    const rows = await store.db.reader.all<Record<string, number | string | null>>('SELECT * FROM rollups');
    return new Map(
      rows.map((r) => [
        `${r.history_id}/${r.region}/${r.hour}`,
        {
          checks: r.checks as number,
          failures: r.failures as number,
          unconfirmed: r.unconfirmed as number,
          missed: r.missed as number,
          rtCount: r.rt_count as number,
          rtSum: r.rt_sum as number,
          rtMin: r.rt_min as number | null,
          rtMax: r.rt_max as number | null,
          buckets: Array.from({ length: BUCKET_COUNT }, (_, i) => r[`b${i}`] as number),
        },
      ]),
    );
  }

  const partitions = async () =>
    (
      await store.db.reader.all<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     JOIN pg_class p ON p.oid = i.inhparent
     WHERE p.relname = 'checks' AND p.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
     ORDER BY 1`,
        [schema],
      )
    ).map((r) => r.name);

  describe('PostgreSQL rollups', () => {
    it('agree with the pure rollups on random checks, marks, misses and duplicates', async () => {
      const rng = mulberry32(11);
      const reasons: FailureReason[] = [
        'status',
        'timeout',
        'connect_refused',
        'connect_timeout',
        'dns_timeout',
      ];
      const timeouts = new Map([
        [1, 15_000],
        [2, 5_000],
      ]);
      const records: CheckRecord[] = [];
      for (let i = 0; i < 400; i++) {
        const historyId = rng() < 0.5 ? 1 : 2;
        const ok = rng() < 0.7;
        const total = Math.round(rng() * 3000 * 10) / 10;
        records.push(
          record(`j${i}`, historyId, rng() < 0.5 ? 'eu' : 'us', T0 + Math.floor(rng() * 3 * HOUR_MS), ok, {
            reason: ok ? null : reasons[Math.floor(rng() * reasons.length)]!,
            timings: { resolve: null, connect: null, tls: null, processing: null, transfer: null, total },
          }),
        );
      }
      const finalMark = new Map<string, Mark>();
      const sameFlush: Array<{ jobId: string; mark: Mark }> = [];
      const later: Array<{ jobId: string; mark: Mark }> = [];
      for (const r of records) {
        if (r.ok || rng() < 0.5) continue;
        const mark: Mark = rng() < 0.7 ? 'unconfirmed' : rng() < 0.5 ? 'inconclusive' : 'impaired';
        (rng() < 0.5 ? sameFlush : later).push({ jobId: r.id, mark });
        finalMark.set(r.id, mark);
      }
      const flip = later.find((m) => m.mark === 'unconfirmed')!;
      const first = records.slice(0, 250);
      await store.runtime.flush(
        batch({ checks: first, marks: sameFlush.filter((m) => first.some((r) => r.id === m.jobId)) }),
      );
      // A retried batch: the first 250 again (left out by the statement, so never counted twice),
      // and a job twice within one batch (counted once).
      await store.runtime.flush(batch({ checks: [...records.slice(0, 300), records[260]!] }));
      const missed = [
        { historyId: 1, region: 'eu', at: T0 + 60_000 },
        { historyId: 1, region: 'eu', at: T0 + 120_000 },
        { historyId: 2, region: null, at: T0 + HOUR_MS + 5 },
      ];
      await store.runtime.flush(batch({ checks: records.slice(300), missed }));
      const firstIds = new Set(first.map((r) => r.id));
      await store.runtime.flush(
        batch({ marks: [...sameFlush.filter((m) => !firstIds.has(m.jobId)), ...later] }),
      );
      await store.runtime.flush(batch({ marks: [{ jobId: flip.jobId, mark: 'impaired' }] }));
      finalMark.set(flip.jobId, 'impaired');

      const expected = rollupBatch({
        checks: records.map(
          (r): RollupCheck => ({
            historyId: r.historyId,
            region: r.region,
            at: r.startedAt,
            ok: r.ok,
            reason: r.reason,
            totalMs: r.timings.total,
            timeoutMs: timeouts.get(r.historyId)!,
          }),
        ),
        marks: records.flatMap((r) => {
          const mark = finalMark.get(r.id);
          return mark === undefined
            ? []
            : [{ historyId: r.historyId, region: r.region, at: r.startedAt, mark }];
        }),
        missed,
      });
      const actual = await stored();
      expect([...actual.keys()].sort()).toEqual(
        expected.map((d) => `${d.historyId}/${d.region}/${d.hour}`).sort(),
      );
      for (const delta of expected) {
        const got = actual.get(`${delta.historyId}/${delta.region}/${delta.hour}`);
        expect({ ...got!, rtSum: Math.round(got!.rtSum * 10) }).toEqual({
          ...delta.rollup,
          rtSum: Math.round(delta.rollup.rtSum * 10),
        });
      }
      expect((await store.status.catalog()).map((c) => c.firstResultAt)).toEqual([
        Math.min(...records.filter((r) => r.historyId === 1).map((r) => r.startedAt)),
        Math.min(...records.filter((r) => r.historyId === 2).map((r) => r.startedAt)),
      ]);
    });

    it('keeps the latest certificate expiry per monitor and region, also within one batch', async () => {
      await store.runtime.flush(
        batch({
          checks: [
            record('a', 1, 'eu', T0 + 1000, true, { detail: tlsDetail('2026-03-01T00:00:00.000Z') }),
            record('b', 1, 'eu', T0, true, { detail: tlsDetail('2026-02-01T00:00:00.000Z') }),
            record('c', 1, 'us', T0, true),
          ],
        }),
      );
      await store.runtime.flush(
        batch({
          checks: [record('d', 1, 'eu', T0 + 500, true, { detail: tlsDetail('2026-01-20T00:00:00.000Z') })],
        }),
      );
      expect(await store.status.tlsExpiry()).toEqual([
        { historyId: 1, region: 'eu', expiresAt: Date.parse('2026-03-01T00:00:00.000Z') },
      ]);
    });
  });

  describe('PostgreSQL partitions and retention', () => {
    it('stores checks in daily partitions and drops whole days past the cutoff', async () => {
      const day0 = Math.floor(T0 / DAY_MS) * DAY_MS;
      const at = (day: number, ms: number) => day0 + day * DAY_MS + ms;
      const checks = [
        record('d0a', 1, 'eu', at(0, 1), true),
        record('d0b', 1, 'eu', at(0, 2), false),
        record('d1a', 1, 'eu', at(1, 1), true),
        record('d2a', 1, 'eu', at(2, 1), true),
        record('d2b', 1, 'eu', at(2, 5000), true),
      ];
      await store.runtime.flush(batch({ checks }));
      const day = (n: number) =>
        `checks_p${new Date(day0 + n * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;
      expect(await partitions()).toEqual(expect.arrayContaining([day(0), day(1), day(2)]));
      // Cutoff inside day 2: days 0 and 1 go whole (3 rows), then the batch deletes day 2's first row.
      const cutoff = { checks: at(2, 1000), logs: 0, rollups: 0 };
      expect(await store.retention.step('checks', cutoff, 10)).toBe(4);
      expect(await partitions()).not.toContain(day(0));
      expect(await partitions()).not.toContain(day(1));
      expect(await store.runtime.storedJobs(checks.map((c) => c.id))).toEqual(new Set(['d2b']));
      expect(await store.retention.step('checks', cutoff, 10)).toBe(0);
      // Rollups keep what they counted; a later check of a dropped day makes the day again.
      expect((await store.status.rollupTotals(day0, at(3, 0))).get(1)).toMatchObject({
        checks: 5,
        failures: 1,
      });
      await store.runtime.flush(batch({ checks: [record('late', 1, 'eu', at(0, 9), true, { late: true })] }));
      expect(await partitions()).toContain(day(0));
      expect((await store.checks.get(1, 'late'))?.late).toBe(true);
    });
  });

  describe('PostgreSQL partitions shared by two collectors', () => {
    it('a flush into a day another collector dropped makes the day again', async () => {
      const other = await openPostgresStore({ url: schemaUrl(schema) });
      try {
        const day0 = Math.floor(T0 / DAY_MS) * DAY_MS;
        await store.runtime.flush(batch({ checks: [record('a', 1, 'eu', T0, true)] }));
        // The other collector's retention drops that day; this store still believes it exists.
        expect(await other.retention.step('checks', { checks: day0 + DAY_MS, logs: 0, rollups: 0 }, 10)).toBe(
          1,
        );
        await store.runtime.flush(batch({ checks: [record('b', 1, 'eu', T0 + 1, true)] }));
        expect(await store.runtime.storedJobs(['a', 'b'])).toEqual(new Set(['b']));
      } finally {
        await other.close();
      }
    });
  });

  describe('PostgreSQL values', () => {
    it('stores text with NUL and lone surrogates (as U+FFFD), which PostgreSQL refuses as is', async () => {
      const log = { request: { method: 'GET', url: 'x', headers: {} }, body: 'a\u0000b\ud800c' } as never;
      await store.runtime.flush(
        batch({
          checks: [record('n1', 1, 'eu', T0, false, { message: 'bad\u0000byte', hasLog: true })],
          logs: [{ jobId: 'n1', historyId: 1, startedAt: T0, log }],
        }),
      );
      expect((await store.checks.get(1, 'n1'))?.message).toBe('bad\ufffdbyte');
      expect((await store.checks.log(1, 'n1'))?.log).toMatchObject({ body: 'a\ufffdb\ufffdc' });
    });

    it('reads a phase that never happened as null, also from a row that holds 0 for it', async () => {
      await store.runtime.flush(batch({ checks: [record('p1', 1, 'eu', T0, true)] }));
      expect((await store.checks.get(1, 'p1'))?.timings.tls).toBeNull();
      // A row written before null phases (a spill replayed after an upgrade): tls 0 on http://.
      await store.db.write((tx) => tx.run(`UPDATE checks SET timings = jsonb_set(timings, '{tls}', '0')`));
      expect((await store.checks.get(1, 'p1'))?.timings).toMatchObject({ tls: null, total: 8 });
      expect((await store.status.checksAfter(0, 10)).map((c) => c.timings.tls)).toEqual([null]);
    });

    it('takes a runner or a state twice in one batch, as SQLite applies rows in order', async () => {
      const runner = runnerRecord();
      const later = { ...runner, lastSeen: T0 + 5, tokenHash: 'bb' };
      await store.runtime.flush(
        batch({ runners: [runner, later], states: [storedState(1), storedState(1, { updatedAt: T0 + 9 })] }),
      );
      expect(await store.runtime.loadRunners()).toEqual([later]);
      expect((await store.runtime.loadStates()).map((s) => s.updatedAt)).toEqual([T0 + 9]);
    });
  });
}
