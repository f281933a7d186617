// Retention: expired rows go in small batches (one short transaction each, the event loop served
// between them), recent rows and rollups stay, and the policy comes from configuration.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../collector/config/config.ts';
import { RetentionJob } from '../../collector/retention/job.ts';
import { HOUR_MS } from '../../collector/rollups/hourly.ts';
import { DAY_MS } from '../../collector/rollups/uptime.ts';
import { openSqliteStore, type SqliteStore } from '../../collector/store/sqlite/index.ts';
import { SqliteRetention } from '../../collector/store/sqlite/retention-store.ts';

const NOW = Date.UTC(2026, 6, 1);
let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-retention-'));
  store = await openSqliteStore({ path: join(dir, 'vigil.db') });
  await store.db.write(async (tx) => {
    await tx.run("INSERT INTO monitor_histories (history_id, first_id, created_at) VALUES (1, 'm', 0)");
    // 100 checks a day apart (0..99 days old), each with a log; rollups every 5 days back to 500.
    for (let i = 0; i < 100; i++) {
      const at = NOW - i * DAY_MS - 1000;
      await tx.run(
        `INSERT INTO checks (job_id, history_id, monitor_id, region, runner_id, purpose, round_id, started_at, due_at,
           claimed_at, received_at, ok, reason, message, status, total_ms, timings, detail, has_log)
         VALUES (?, 1, 'm', 'eu', NULL, 'scheduled', 'r', ?, ?, ?, ?, 0, 'status', 'x', 500, 5, '{"total":5}', '{}', 1)`,
        [`j${i}`, at, at, at, at],
      );
      await tx.run("INSERT INTO check_logs (job_id, history_id, started_at, log) VALUES (?, 1, ?, '{}')", [
        `j${i}`,
        at,
      ]);
    }
    for (let d = 0; d < 500; d += 5) {
      await tx.run(
        "INSERT INTO rollups (hour, history_id, region, checks, updated_at) VALUES (?, 1, 'eu', 1, 0) ON CONFLICT DO NOTHING",
        [Math.floor((NOW - d * DAY_MS) / HOUR_MS) * HOUR_MS - HOUR_MS],
      );
    }
    await tx.run(
      "INSERT INTO monitor_spans (history_id, kind, start_at, end_at) VALUES (1, 'paused', ?, ?)",
      [NOW - 500 * DAY_MS, NOW - 450 * DAY_MS],
    );
    await tx.run(
      "INSERT INTO monitor_spans (history_id, kind, start_at, end_at) VALUES (1, 'paused', ?, NULL)",
      [NOW - 500 * DAY_MS],
    );
  });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const count = async (table: string) =>
  (await store.db.reader.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n;

describe('retention', () => {
  it('keeps checks 30 days, logs 90 days, rollups 400 days, in batches that yield', async () => {
    const prune = new SqliteRetention(store.db);
    const steps: Array<[string, number]> = [];
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const job = new RetentionJob({
      retention: {
        step: async (target, limits, batch) => {
          const deleted = await prune.step(target, limits, batch);
          steps.push([target, deleted]);
          return deleted;
        },
      },
      policy: { checksDays: 30, logsDays: 90, rollupsDays: 400 },
      now: () => NOW,
      intervalMs: 0,
      batch: 7,
    });
    const report = await job.runOnce();
    spinning = false;
    expect(report).toEqual({ checks: 70, check_logs: 10, rollups: 20, monitor_spans: 1, outbox: 0 });
    expect(await count('checks')).toBe(30);
    expect(await count('check_logs')).toBe(90);
    // Rollup hours 400 days back and older (d = 400, 405, ... 495) go; the 100 hours the check
    // inserts rolled up (20 of them shared with seeded hours) stay: 100 + 80 - 20.
    expect(await count('rollups')).toBe(160);
    expect(await count('monitor_spans')).toBe(1);
    // 70 checks at 7 per batch: 10 full batches and a last empty one; never more than 7 at once.
    expect(steps.filter(([t]) => t === 'checks').map(([, n]) => n)).toEqual([
      7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0,
    ]);
    expect(Math.max(...steps.map(([, n]) => n))).toBeLessThanOrEqual(7);
    // Other callbacks ran while the job worked (one or more turns per batch).
    expect(turns).toBeGreaterThanOrEqual(steps.length);
    // Deleting checks leaves their rollups alone, and a second pass finds nothing.
    expect(Object.values(await job.runOnce()).every((n) => n === 0)).toBe(true);
  });

  it('drops the delivery rows of alerts closed longer ago than logs are kept, and only those', async () => {
    await store.db.write(async (tx) => {
      const alert = (id: string, status: string, closedAt: number | null) =>
        tx.run(
          `INSERT INTO alerts (id, kind, monitor_id, subject, status, start_at, closed_at, updated_at, data)
           VALUES (?, 'down', 'm', 'm', ?, 0, ?, 0, '{}')`,
          [id, status, closedAt],
        );
      const row = (alertId: string, state: string, op = 'open') =>
        tx.run(
          `INSERT INTO outbox (alert_id, sink, op, snapshot, state, next_attempt_at, created_at)
           VALUES (?, 'github', ?, '{"log":"..."}', ?, 0, 0)`,
          [alertId, op, state],
        );
      await alert('old', 'closed', NOW - 100 * DAY_MS);
      for (const op of ['open', 'remind', 'resolve']) await row('old', 'done', op);
      await row('old', 'failed', 'remind');
      await alert('recent', 'closed', NOW - 10 * DAY_MS);
      await row('recent', 'done');
      await row('recent', 'done', 'resolve');
      await alert('open', 'open', null);
      await row('open', 'pending');
    });
    const job = new RetentionJob({
      retention: new SqliteRetention(store.db),
      policy: { checksDays: 30, logsDays: 90, rollupsDays: 400 },
      now: () => NOW,
      intervalMs: 0,
      batch: 3,
    });
    expect((await job.runOnce()).outbox).toBe(4);
    const left = await store.db.reader.all<{ alert_id: string }>('SELECT alert_id FROM outbox ORDER BY id');
    expect(left.map((r) => r.alert_id)).toEqual(['recent', 'recent', 'open']);
    // The alerts themselves stay (the incident API and issue links read them).
    expect(await count('alerts')).toBe(3);
  });

  it('is configurable, and refuses nonsense', async () => {
    const config = await loadConfig({
      env: {
        VIGIL_RETENTION_CHECKS_DAYS: '7',
        VIGIL_RETENTION_LOGS_DAYS: '14',
        VIGIL_RETENTION_ROLLUPS_DAYS: '100',
        VIGIL_RETENTION_INTERVAL_MS: '0',
        VIGIL_STATUS_PUBLIC: 'false',
        VIGIL_STATUS_TOKEN: 'read-token-0123456789',
      },
    });
    expect(config).toMatchObject({
      retentionChecksDays: 7,
      retentionLogsDays: 14,
      retentionRollupsDays: 100,
      retentionIntervalMs: 0,
      statusPublic: false,
      statusToken: 'read-token-0123456789',
    });
    await expect(loadConfig({ env: { VIGIL_RETENTION_CHECKS_DAYS: '0' } })).rejects.toMatchObject({
      code: 'VIGIL_ERR_CONFIG',
    });
    await expect(loadConfig({ env: { VIGIL_RETENTION_ROLLUPS_DAYS: '1' } })).rejects.toMatchObject({
      code: 'VIGIL_ERR_CONFIG',
    });
    await expect(loadConfig({ env: { VIGIL_STATUS_TOKEN: 'short' } })).rejects.toMatchObject({
      code: 'VIGIL_ERR_CONFIG',
    });
    await expect(loadConfig({ env: { VIGIL_STATUS_PUBLIC: 'maybe' } })).rejects.toMatchObject({
      code: 'VIGIL_ERR_CONFIG',
    });
  });
});
