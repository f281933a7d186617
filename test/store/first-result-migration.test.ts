// Migration 6 backfills each lineage's first result from what history is left (rollup hours with
// checks, raw checks), and a trigger keeps it for lineages checked after.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../collector/store/sqlite/index.ts';
import { MIGRATIONS } from '../../collector/store/sqlite/migrations/index.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { batch, checkRecord, create, writes } from './fixtures.ts';

let dir: string;
let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const HOUR = 3_600_000;
const firstResults = async (s: SqliteStore) =>
  s.db.reader.all<{ history_id: number; first_result_at: number | null }>(
    'SELECT history_id, first_result_at FROM monitor_histories ORDER BY history_id',
  );

it('backfills the first result from rollups and checks, then the trigger keeps it', async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-migrate-'));
  const path = join(dir, 'vigil.db');
  store = await openSqliteStore({ path, migrations: MIGRATIONS.slice(0, 5) });
  await store.monitors.sync(() => ({
    result: null,
    writes: writes({
      creates: [create(makeSpec('old')), create(makeSpec('recent')), create(makeSpec('never'))],
    }),
  }));
  const [never, old, recent] = (await store.monitors.list()).map((m) => m.historyId);
  // `old` was checked 200 days ago (only its rollup hour is left) and today; `recent` today only.
  await store.runtime.flush(
    batch({
      checks: [checkRecord('o1', old!, 1000 * HOUR, true), checkRecord('r1', recent!, 1005 * HOUR, true)],
    }),
  );
  await store.db.write((tx) =>
    tx.run('INSERT INTO rollups (hour, history_id, region, checks, updated_at) VALUES (?, ?, ?, 1, 0)', [
      HOUR * 10,
      old!,
      'eu',
    ]),
  );
  await store.close();
  store = await openSqliteStore({ path });
  expect(store.migrated).toEqual(MIGRATIONS.slice(5).map((m) => m.version));
  expect(await firstResults(store)).toEqual(
    [
      { history_id: old, first_result_at: 10 * HOUR },
      { history_id: recent, first_result_at: 1005 * HOUR },
      { history_id: never, first_result_at: null },
    ].sort((a, b) => a.history_id! - b.history_id!),
  );
  await store.runtime.flush(batch({ checks: [checkRecord('n1', never!, 2000 * HOUR, false)] }));
  await store.runtime.flush(batch({ checks: [checkRecord('n2', never!, 2001 * HOUR, true)] }));
  expect((await firstResults(store)).find((r) => r.history_id === never)?.first_result_at).toBe(2000 * HOUR);
});
