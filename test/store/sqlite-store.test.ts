// SQLite specifics of the store: the file's pragmas, migrations, multi-row writes and the sync
// transaction seen from inside (what every store must do is in contract.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../../collector/store/sqlite/database.ts';
import { insertRows } from '../../collector/store/sqlite/database.ts';
import { openSqliteStore, type SqliteStore } from '../../collector/store/sqlite/index.ts';
import { type Migration, MigrationError, migrate } from '../../collector/store/sqlite/migrate.ts';
import { MIGRATIONS } from '../../collector/store/sqlite/migrations/index.ts';
import type { MonitorCreate, MonitorWrites } from '../../collector/store/types.ts';
import { makeSpec } from '../collector/fixtures.ts';

let dir: string;
let path: string;
let store: SqliteStore;
let clock = 1_000;
const now = () => clock;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-store-'));
  path = join(dir, 'nested', 'vigil.db');
  store = await openSqliteStore({ path, now });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function create(id: string, extra: Partial<MonitorCreate> = {}): MonitorCreate {
  return {
    spec: makeSpec(id),
    specHash: `hash-${id}`,
    secretHashes: {},
    secrets: {},
    diff: [],
    replaces: null,
    ...extra,
  };
}

function writes(partial: Partial<MonitorWrites>): MonitorWrites {
  return { gitRevision: 'abc', at: clock, creates: [], updates: [], deletes: [], ...partial };
}

async function apply(partial: Partial<MonitorWrites>): Promise<void> {
  await store.monitors.sync(() => ({ result: undefined, writes: writes(partial) }));
}

describe('sqlite store', () => {
  it('opens in WAL mode with foreign keys and runs every migration once', async () => {
    expect(store.migrated).toEqual(MIGRATIONS.map((m) => m.version));
    const mode = await store.db.reader.get<{ journal_mode: string }>('PRAGMA journal_mode');
    expect(mode?.journal_mode).toBe('wal');
    const fk = await store.db.reader.get<{ foreign_keys: number }>('PRAGMA foreign_keys');
    expect(fk?.foreign_keys).toBe(1);
    await store.close();
    store = await openSqliteStore({ path, now });
    expect(store.migrated).toEqual([]);
  });

  it('creates, updates, renames and deletes, keeping revisions and archives', async () => {
    await apply({
      creates: [create('a', { secrets: { TOKEN: 'v1' }, secretHashes: { TOKEN: 'f1' } }), create('b')],
    });
    const a = await store.monitors.get('a');
    expect(a).toMatchObject({ id: 'a', revision: 1, gitRevision: 'abc', createdAt: 1000, updatedAt: 1000 });
    expect(a?.secretHashes).toEqual({ TOKEN: 'f1' });
    expect(await store.monitors.secrets('a')).toEqual({ TOKEN: 'v1' });
    expect(JSON.stringify(a)).not.toContain('v1');

    clock = 2_000;
    await apply({
      updates: [
        {
          historyId: a!.historyId,
          action: 'rename',
          spec: makeSpec('a2', { renamed_from: 'a' }),
          specHash: 'hash-a2',
          secretHashes: {},
          secrets: {},
          diff: [{ path: 'name', before: 'a', after: 'a2' }],
        },
      ],
    });
    expect(await store.monitors.get('a')).toBeUndefined();
    const renamed = await store.monitors.get('a2');
    expect(renamed).toMatchObject({ historyId: a!.historyId, revision: 2, createdAt: 1000, updatedAt: 2000 });
    const revisions = await store.monitors.revisions('a2');
    expect(revisions.map((r) => [r.revision, r.action, r.monitorId])).toEqual([
      [1, 'create', 'a'],
      [2, 'rename', 'a2'],
    ]);
    expect(revisions[1]?.diff).toEqual([{ path: 'name', before: 'a', after: 'a2' }]);

    clock = 3_000;
    const b = await store.monitors.get('b');
    await apply({ deletes: [b!.historyId] });
    expect(await store.monitors.get('b')).toBeUndefined();
    expect(await store.monitors.archived('b')).toMatchObject([
      { id: 'b', reason: 'delete', archivedAt: 3000, historyId: b!.historyId, replacedBy: null },
    ]);
    expect((await store.monitors.list()).map((m) => m.id)).toEqual(['a2']);
  });

  it('replaces: archives the old lineage and starts a new one under the same id', async () => {
    await apply({ creates: [create('a')] });
    const old = await store.monitors.get('a');
    await apply({ creates: [create('a', { specHash: 'new', replaces: old!.historyId })] });
    const now = await store.monitors.get('a');
    expect(now?.historyId).not.toBe(old!.historyId);
    expect(now?.revision).toBe(1);
    expect(await store.monitors.archived('a')).toMatchObject([
      { reason: 'replace', historyId: old!.historyId, replacedBy: now!.historyId },
    ]);
    expect((await store.monitors.revisions('a')).map((r) => r.action)).toEqual(['replace']);
  });

  it('never reuses a lineage id, even after the newest was deleted', async () => {
    await apply({ creates: [create('a'), create('b')] });
    const b = await store.monitors.get('b');
    await apply({ deletes: [b!.historyId] });
    await apply({ creates: [create('c')] });
    expect((await store.monitors.get('c'))!.historyId).toBeGreaterThan(b!.historyId);
  });

  it('rolls back every write of a sync when one fails', async () => {
    await apply({ creates: [create('a')] });
    // The second create violates the unique id: the first create and the update must vanish too.
    const a = await store.monitors.get('a');
    await expect(
      apply({
        creates: [create('x'), create('a')],
        updates: [
          {
            historyId: a!.historyId,
            action: 'update',
            spec: makeSpec('a', { name: 'changed' }),
            specHash: 'h2',
            secretHashes: {},
            secrets: {},
            diff: [],
          },
        ],
      }),
    ).rejects.toThrow(/UNIQUE/);
    expect((await store.monitors.list()).map((m) => [m.id, m.name, m.revision])).toEqual([['a', 'a', 1]]);
  });

  it('rolls back when decide throws, and serializes concurrent syncs', async () => {
    await expect(
      store.monitors.sync(() => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    // Each sync reads the count the previous one wrote: no lost update.
    await Promise.all(
      Array.from({ length: 10 }, () =>
        store.monitors.sync((current) => ({
          result: undefined,
          writes: writes({ creates: [create(`m${current.length}`)] }),
        })),
      ),
    );
    expect((await store.monitors.list()).length).toBe(10);
  });

  it('writes thousands of rows in one transaction', async () => {
    const creates = Array.from({ length: 2_345 }, (_, i) => create(`m-${i}`));
    await apply({ creates });
    expect((await store.monitors.list()).length).toBe(2_345);
    const count = await store.db.reader.get<{ n: number }>('SELECT count(*) AS n FROM monitor_revisions');
    expect(count?.n).toBe(2_345);
  });

  it('keeps settings: set once, first value wins', async () => {
    expect(await store.settings.get('k')).toBeUndefined();
    expect(await store.settings.setIfAbsent('k', 'one')).toBe('one');
    expect(await store.settings.setIfAbsent('k', 'two')).toBe('one');
    expect(await store.settings.get('k')).toBe('one');
  });
});

describe('migrations', () => {
  const extra = (version: number): Migration => ({
    version,
    name: `extra-${version}`,
    up: async (tx) => {
      await tx.exec(`CREATE TABLE extra_${version} (x INTEGER)`);
    },
  });

  it('appends a later migration to an existing file, then refuses to run an older Vigil on it', async () => {
    await store.close();
    store = await openSqliteStore({ path, now, migrations: [...MIGRATIONS, extra(MIGRATIONS.length + 1)] });
    expect(store.migrated).toEqual([MIGRATIONS.length + 1]);
    await store.close();
    const error = await openSqliteStore({ path, now }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('VIGIL_ERR_DB_TOO_NEW');
    store = await openSqliteStore({ path, now, migrations: [...MIGRATIONS, extra(MIGRATIONS.length + 1)] });
  });

  it('rejects a list with a gap', async () => {
    const error = await migrate(
      store.db as SqliteDatabase,
      [...MIGRATIONS, extra(MIGRATIONS.length + 2)],
      now,
    ).catch((e: unknown) => e);
    expect((error as MigrationError).code).toBe('VIGIL_ERR_MIGRATIONS_INVALID');
  });

  it('a failing migration leaves no trace of itself', async () => {
    const broken: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'broken',
      up: async (tx) => {
        await tx.exec('CREATE TABLE half (x INTEGER)');
        await insertRows(tx, 'no_such_table', ['x'], [[1]]);
      },
    };
    await expect(migrate(store.db, [...MIGRATIONS, broken], now)).rejects.toThrow(/no such table/);
    const half = await store.db.reader.get("SELECT name FROM sqlite_master WHERE name = 'half'");
    expect(half).toBeUndefined();
  });
});
