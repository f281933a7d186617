// The snapshot service's incremental reads: after the first build only rows updated since the
// previous one are read, and what changed shows up in the next build.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../collector/rollups/uptime.ts';
import { StatusService } from '../../collector/status/service.ts';
import { openSqliteStore, type SqliteStore } from '../../collector/store/sqlite/index.ts';
import type { StatusStore } from '../../collector/store/status-types.ts';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
let dir: string;
let store: SqliteStore;
let now = T0;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-status-service-'));
  store = await openSqliteStore({ path: join(dir, 'vigil.db') });
  now = T0;
  await store.db.write(async (tx) => {
    for (const id of [1, 2]) {
      await tx.run(
        'INSERT INTO monitor_histories (history_id, first_id, created_at, first_result_at) VALUES (?, ?, ?, ?)',
        [id, `m${id}`, 0, T0 - 10 * DAY_MS],
      );
      await tx.run(
        `INSERT INTO monitors (history_id, id, name, spec, spec_hash, secret_hashes, secret_values, revision, created_at, updated_at)
         VALUES (?, ?, ?, '{"url":"https://x.example.invalid/"}', 'h', '{}', '{}', 1, ?, ?)`,
        [id, `m${id}`, `M${id}`, T0 - 10 * DAY_MS, T0 - 10 * DAY_MS],
      );
      await tx.run(
        `INSERT INTO monitor_states (history_id, monitor_id, state, since, verdict, last_round_at, last_results, updated_at)
         VALUES (?, ?, 'up', ?, '{}', NULL, '[]', ?)`,
        [id, `m${id}`, T0 - DAY_MS, T0 - DAY_MS],
      );
    }
  });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Counts rows each read returns, to see that later builds read only what changed. */
function counting(inner: StatusStore): { store: StatusStore; rows: Record<string, number> } {
  const rows: Record<string, number> = {};
  const proxy = new Proxy(inner, {
    get(target, key: string) {
      const value = Reflect.get(target, key) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (Array.isArray(result)) rows[key] = (rows[key] ?? 0) + result.length;
        return result;
      };
    },
  });
  return { store: proxy, rows };
}

describe('StatusService', () => {
  it('reads what changed since the last build, and shows it', async () => {
    const { store: reads, rows } = counting(store.status);
    const service = new StatusService({ store: reads, now: () => now, maxAgeMs: 0 });
    const first = await service.build();
    expect(first.model.monitors.map((m) => [m.id, m.state])).toEqual([
      ['m1', 'up'],
      ['m2', 'up'],
    ]);
    expect(rows.states).toBe(2);

    // m1 goes down a minute later: its state and a new incident are written.
    now = T0 + 60_000;
    await store.db.write(async (tx) => {
      await tx.run(
        "UPDATE monitor_states SET state = 'down', since = ?, updated_at = ? WHERE history_id = 1",
        [now, now],
      );
      await tx.run(
        `INSERT INTO incidents (id, history_id, monitor_id, region, kind, start_at, end_at, last_failure, failed_checks,
           reason, first_job_id, suppressed, opened_at, resolved_at, resolve_cause, updated_at)
         VALUES ('m1:down:x', 1, 'm1', NULL, 'down', ?, NULL, ?, 3, 'timeout', NULL, 0, ?, NULL, NULL, ?)`,
        [now - 30_000, now, now, now],
      );
    });
    now = T0 + 120_000;
    const second = await service.build();
    // Only the changed state row was read again.
    expect(rows.states).toBe(3);
    const m1 = second.byId.get('m1')!.status;
    expect(m1.state).toBe('down');
    expect(m1.incident).toMatchObject({ id: 'm1:down:x', reason: 'timeout' });
    expect(m1.uptime['24h']).toBe(Math.round((1 - 90_000 / DAY_MS) * 1e6) / 1e4);
    expect(second.byId.get('m2')!.status.state).toBe('up');

    // It recovers: the incident is resolved (end = last failing check).
    now = T0 + 180_000;
    await store.db.write(async (tx) => {
      await tx.run("UPDATE monitor_states SET state = 'up', since = ?, updated_at = ? WHERE history_id = 1", [
        now,
        now,
      ]);
      await tx.run(
        "UPDATE incidents SET end_at = ?, resolved_at = ?, resolve_cause = 'recovered', updated_at = ? WHERE id = 'm1:down:x'",
        [T0 + 150_000, now, now],
      );
    });
    now = T0 + 240_000;
    const third = await service.build();
    const after = third.byId.get('m1')!.status;
    expect(after.state).toBe('up');
    expect(after.incident).toBeNull();
    // Down from the first failing check (T0 + 30 s) to the last (T0 + 150 s).
    expect(after.uptime['24h']).toBe(Math.round((1 - 120_000 / DAY_MS) * 1e6) / 1e4);
    expect(third.incidents.map((i) => [i.id, i.resolvedAt])).toEqual([['m1:down:x', T0 + 180_000]]);
    // The body is the model, serialized.
    expect(JSON.parse((await third.body()).body.toString('utf8'))).toEqual(third.model);
  });
});

describe('StatusService uptime', () => {
  it('counts from the first result: before it is no data, neither up nor down', async () => {
    await store.db.write(async (tx) => {
      // m1 was created 10 days ago but first checked an hour ago, and has failed since.
      await tx.run('UPDATE monitor_histories SET first_result_at = ? WHERE history_id = 1', [T0 - 3_600_000]);
      await tx.run(
        "UPDATE monitor_states SET state = 'down', since = ?, updated_at = ? WHERE history_id = 1",
        [T0 - 3_600_000, T0],
      );
      await tx.run(
        `INSERT INTO incidents (id, history_id, monitor_id, region, kind, start_at, end_at, last_failure, failed_checks,
           reason, first_job_id, suppressed, opened_at, resolved_at, resolve_cause, updated_at)
         VALUES ('m1:down:y', 1, 'm1', NULL, 'down', ?, NULL, ?, 3, 'status', NULL, 0, ?, NULL, NULL, ?)`,
        [T0 - 3_600_000, T0, T0, T0],
      );
      // m2 has no result yet.
      await tx.run('UPDATE monitor_histories SET first_result_at = NULL WHERE history_id = 2');
    });
    const service = new StatusService({ store: store.status, now: () => now, maxAgeMs: 0 });
    const snapshot = await service.build();
    // Before: the 23 hours before the first check counted as up (95.83% for a monitor never up).
    expect(snapshot.byId.get('m1')!.status.uptime).toEqual({ '24h': 0, '7d': 0, '30d': 0, '90d': 0 });
    expect(snapshot.byId.get('m2')!.status.uptime).toEqual({
      '24h': null,
      '7d': null,
      '30d': null,
      '90d': null,
    });
  });
});

describe('StatusService freshness', () => {
  it('never answers with a snapshot older than maxAgeMs, however long nobody asked', async () => {
    const service = new StatusService({ store: store.status, now: () => now, maxAgeMs: 10_000 });
    const first = await service.snapshot();
    expect(first.model.monitors.find((m) => m.id === 'm1')?.state).toBe('up');
    // Nobody reads for 95 s while m1 goes down (what `vigil up` then a first visitor saw).
    now = T0 + 95_000;
    await store.db.write(async (tx) => {
      await tx.run(
        "UPDATE monitor_states SET state = 'down', since = ?, updated_at = ? WHERE history_id = 1",
        [now - 60_000, now - 60_000],
      );
    });
    const read = await service.snapshot();
    expect(now - read.at).toBeLessThanOrEqual(10_000);
    expect(read.model.monitors.find((m) => m.id === 'm1')?.state).toBe('down');
    await service.idle();
  });

  it('keeps itself fresh between reads, and stops when closed', async () => {
    const service = new StatusService({ store: store.status, now: () => now, maxAgeMs: 200 });
    await service.snapshot();
    service.keepFresh();
    now += 60_000;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((service.current()?.at ?? 0) >= now).toBe(true);
    await service.idle();
    const at = service.current()?.at;
    now += 60_000;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(service.current()?.at).toBe(at);
  });
});
