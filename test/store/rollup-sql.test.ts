// The rollup triggers (collector/store/sqlite/rollup-schema.ts) against the pure arithmetic: checks
// written through the engine's real flush path give the same hourly rollups as rollupBatch.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../collector/domain/regions.ts';
import { BUCKET_COUNT } from '../../collector/rollups/histogram.ts';
import { HOUR_MS, type HourlyRollup, type RollupCheck, rollupBatch } from '../../collector/rollups/hourly.ts';
import type { CheckRecord } from '../../collector/store/runtime-types.ts';
import { openSqliteStore, type SqliteStore } from '../../collector/store/sqlite/index.ts';
import type { Mark } from '../../collector/verdict/types.ts';
import type { FailureReason } from '../../probe/types.ts';
import { batch, checkRecord, tlsDetail } from './fixtures.ts';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-rollup-sql-'));
  store = await openSqliteStore({ path: join(dir, 'vigil.db') });
  await store.db.write(async (tx) => {
    for (const [historyId, timeout, paused] of [
      [1, 15_000, false],
      [2, 5_000, false],
    ] as const) {
      await tx.run('INSERT INTO monitor_histories (history_id, first_id, created_at) VALUES (?, ?, ?)', [
        historyId,
        `m${historyId}`,
        T0,
      ]);
      await tx.run(
        `INSERT INTO monitors (history_id, id, name, spec, spec_hash, secret_hashes, secret_values, revision, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'h', '{}', '{}', 1, ?, ?)`,
        [historyId, `m${historyId}`, `m${historyId}`, JSON.stringify({ timeout, paused }), T0, T0],
      );
    }
  });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** A check of monitor `m<historyId>` in `region` (the messages say ok or failed). */
function record(
  id: string,
  historyId: number,
  region: string,
  at: number,
  ok: boolean,
  extra: Partial<CheckRecord> = {},
): CheckRecord {
  return checkRecord(id, historyId, at, ok, { region, message: ok ? 'ok' : 'failed', ...extra });
}

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

describe('rollup triggers', () => {
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
    // Some failures are marked in the same flush, some later; a mark can change.
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
    await store.runtime.flush(
      batch({
        checks: records.slice(0, 250),
        marks: sameFlush.filter((m) => records.slice(0, 250).some((r) => r.id === m.jobId)),
      }),
    );
    // A retried batch: the first 50 again (ignored by ON CONFLICT, so never counted twice).
    await store.runtime.flush(batch({ checks: records.slice(0, 300) }));
    // Jobs that never ran (the engine's part of the same flush): counted as missed, never checks.
    const missed = [
      { historyId: 1, region: 'eu', at: T0 + 60_000 },
      { historyId: 1, region: 'eu', at: T0 + 120_000 },
      { historyId: 2, region: null, at: T0 + HOUR_MS + 5 },
    ];
    await store.runtime.flush(batch({ checks: records.slice(300), missed }));
    const firstIds = new Set(records.slice(0, 250).map((r) => r.id));
    await store.runtime.flush(
      batch({ marks: [...sameFlush.filter((m) => !firstIds.has(m.jobId)), ...later] }),
    );
    // The unconfirmed mark of one check is replaced: it stops counting.
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
      expect(got).toBeDefined();
      expect({ ...got!, rtSum: Math.round(got!.rtSum * 10) }).toEqual({
        ...delta.rollup,
        rtSum: Math.round(delta.rollup.rtSum * 10),
      });
    }
  });

  it('keeps the latest certificate expiry per monitor and region', async () => {
    await store.runtime.flush(
      batch({
        checks: [
          record('a', 1, 'eu', T0 + 1000, true, { detail: tlsDetail('2026-03-01T00:00:00.000Z') }),
          record('b', 1, 'eu', T0, true, { detail: tlsDetail('2026-02-01T00:00:00.000Z') }),
          record('c', 1, 'us', T0, true),
        ],
      }),
    );
    expect(await store.db.reader.all('SELECT history_id, region, expires_at FROM tls_expiry')).toEqual([
      { history_id: 1, region: 'eu', expires_at: Date.parse('2026-03-01T00:00:00.000Z') },
    ]);
  });

  it('opens and closes pause spans as the spec changes, and counts catalog generations', async () => {
    const gen = async () =>
      (await store.db.reader.get<{ value: number }>("SELECT value FROM status_meta WHERE key = 'catalog'"))!
        .value;
    const before = await gen();
    const setPaused = (paused: boolean, at: number) =>
      store.db.write((tx) =>
        tx.run('UPDATE monitors SET spec = ?, updated_at = ? WHERE history_id = 1', [
          JSON.stringify({ timeout: 15_000, paused }),
          at,
        ]),
      );
    await setPaused(true, T0 + 1000);
    await setPaused(true, T0 + 2000);
    await setPaused(false, T0 + 5000);
    await setPaused(true, T0 + 9000);
    expect(
      await store.db.reader.all('SELECT history_id, kind, start_at, end_at FROM monitor_spans ORDER BY id'),
    ).toEqual([
      { history_id: 1, kind: 'paused', start_at: T0 + 1000, end_at: T0 + 5000 },
      { history_id: 1, kind: 'paused', start_at: T0 + 9000, end_at: null },
    ]);
    expect(await gen()).toBe(before + 4);
  });
});
