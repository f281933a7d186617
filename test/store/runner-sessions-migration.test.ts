// Migration 5 (runner sessions): sessions stored before it were bound to no region key, so they
// end when it runs; their token hash is overwritten so no earlier token matches a row again.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../collector/store/sqlite/index.ts';
import { MIGRATIONS } from '../../collector/store/sqlite/migrations/index.ts';

let dir: string | null = null;
let store: SqliteStore | null = null;
afterEach(async () => {
  await store?.close();
  store = null;
  if (dir !== null) await rm(dir, { recursive: true, force: true });
  dir = null;
});

it('ends every session stored before it and keeps no token hash that could match', async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-migrate-'));
  const path = join(dir, 'vigil.db');
  const now = () => 5_000;
  store = await openSqliteStore({ path, now, migrations: MIGRATIONS.slice(0, 4) });
  await store.db.write(async (tx) => {
    await tx.run(
      `INSERT INTO runners (id, region, name, version, concurrency, embedded, token_hash, registered_at, last_seen, deregistered_at)
       VALUES ('a-1', 'a', 'a-1', '1', 4, 0, 'aa11', 1000, 2000, NULL), ('a-2', 'a', 'a-2', '1', 4, 0, 'bb22', 1000, 2000, 1500)`,
    );
  });
  await store.close();
  store = await openSqliteStore({ path, now });
  expect(store.migrated).toEqual(MIGRATIONS.slice(4).map((m) => m.version));
  expect(await store.runtime.loadRunners()).toEqual([]);
  const rows = await store.db.reader.all<{ id: string; token_hash: string; deregistered_at: number | null }>(
    'SELECT id, token_hash, deregistered_at FROM runners ORDER BY id',
  );
  expect(rows.map((r) => r.token_hash)).toEqual(['revoked:a-1', 'revoked:a-2']);
  expect(rows[0]!.deregistered_at).toBeGreaterThan(0);
  expect(rows[1]!.deregistered_at).toBe(1500);
});
