// The PostgreSQL store beyond the contract: its migrations (idempotent, two collectors opening
// one empty schema at once), how it fails (an unreachable server, a lost connection, a read-only
// transaction) and the configuration that selects it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../collector/config/config.ts';
import { StorageError } from '../../collector/store/errors.ts';
import { openStore } from '../../collector/store/open.ts';
import { storageErrorOf } from '../../collector/store/postgres/failures.ts';
import { openPostgresStore, type PostgresStore } from '../../collector/store/postgres/index.ts';
import { PG_MIGRATIONS } from '../../collector/store/postgres/migrate.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { batch, checkRecord, create, T0, writes } from './fixtures.ts';
import { dropSchema, freshSchema, PG_URL, requirePostgres, schemaUrl } from './postgres-support.ts';

const schemas: string[] = [];
const stores: PostgresStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(schemas.splice(0).map(dropSchema));
});

function schema(): string {
  const name = freshSchema();
  schemas.push(name);
  return name;
}

async function open(name: string): Promise<PostgresStore> {
  const store = await openPostgresStore({ url: schemaUrl(name) });
  stores.push(store);
  return store;
}

describe('PostgreSQL store configuration', () => {
  it('VIGIL_DATABASE_URL (or database_url in the file) selects PostgreSQL; anything but a postgres URL is refused', async () => {
    const url = 'postgres://vigil:s3cret@db.example.invalid:5432/vigil';
    expect((await loadConfig({ env: { VIGIL_DATABASE_URL: url } })).databaseUrl).toBe(url);
    expect((await loadConfig({ env: {} })).databaseUrl).toBeNull();
    const dir = await mkdtemp(join(tmpdir(), 'vigil-pg-config-'));
    try {
      const file = join(dir, 'collector.yml');
      await writeFile(file, 'database_url: postgresql://file@127.0.0.1/vigil\n');
      expect((await loadConfig({ file, env: {} })).databaseUrl).toBe('postgresql://file@127.0.0.1/vigil');
      expect((await loadConfig({ file, env: { VIGIL_DATABASE_URL: url } })).databaseUrl).toBe(url);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const error = await loadConfig({ env: { VIGIL_DATABASE_URL: 'mysql://x/y' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('VIGIL_DATABASE_URL');
  });

  it('an unreachable server fails the open with VIGIL_STORE_CANT_OPEN naming the URL without its password', async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const url = 'postgres://vigil:s3cret-pw@127.0.0.1:1/vigil?schema=x';
    const error = await openStore({ location: url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('VIGIL_STORE_CANT_OPEN');
    expect((error as StorageError).location).toBe('postgres://vigil@127.0.0.1:1/vigil?schema=x');
    expect((error as Error).message).toContain('postgres://vigil@127.0.0.1:1/vigil');
    expect((error as Error).message).not.toContain('s3cret-pw');
  });

  it('refuses a schema name that is not a plain identifier, before connecting', async () => {
    const error = await openStore({ location: 'postgres://u@127.0.0.1:1/db?schema=a%20b;c' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'VIGIL_STORE_CANT_OPEN' });
    expect((error as Error).message).toContain('schema name "a b;c"');
  });
});

if (await requirePostgres('PostgreSQL store')) {
  describe('PostgreSQL store migrations', () => {
    it('are idempotent: a second open applies nothing and the schema is ready', async () => {
      const name = schema();
      const first = await open(name);
      expect(first.migrated).toEqual(PG_MIGRATIONS.map((m) => m.version));
      const second = await open(name);
      expect(second.migrated).toEqual([]);
      expect(await second.status.readiness()).toEqual({
        ok: true,
        schemaVersion: PG_MIGRATIONS.length,
        expectedVersion: PG_MIGRATIONS.length,
      });
    });

    it('two collectors opening one empty schema at once both succeed; it is migrated once', async () => {
      const name = schema();
      const [a, b] = await Promise.all([open(name), open(name)]);
      expect([a.migrated, b.migrated].sort((x, y) => y.length - x.length)).toEqual([
        PG_MIGRATIONS.map((m) => m.version),
        [],
      ]);
      const rows = await a.db.reader.all<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
      // Both work on it.
      await a.settings.setIfAbsent('k', 'a');
      expect(await b.settings.get('k')).toBe('a');
    });

    it('refuses a schema newer than this build', async () => {
      const name = schema();
      const store = await open(name);
      await store.db.write((tx) =>
        tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)"),
      );
      const error = await openPostgresStore({ url: schemaUrl(name) }).catch((e: unknown) => e);
      expect((error as { code?: unknown }).code).toBe('VIGIL_ERR_DB_TOO_NEW');
    });

    it('parses BIGINT as numbers on its own pool only: node-postgres keeps its global parsers', async () => {
      const store = await open(schema());
      await store.monitors.sync(() => ({
        result: null,
        writes: writes({ creates: [create(makeSpec('m1'))] }),
      }));
      expect((await store.monitors.get('m1'))?.createdAt).toBe(T0);
      expect(pg.types.getTypeParser(20)('12')).toBe('12');
    });
  });

  describe('PostgreSQL storage failures', () => {
    it('a lost connection is VIGIL_STORE_IO, marks the store not writable, and a probe brings it back', async () => {
      const name = schema();
      const store = await open(name);
      await store.monitors.sync(() => ({
        result: null,
        writes: writes({ creates: [create(makeSpec('m1'))] }),
      }));
      // The server ends every connection of this store (as a restart or a failover would).
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        const hold = store.db.write(async (tx) => {
          await admin.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
            [`vigil/${name}`],
          );
          await tx.run("UPDATE settings SET value = 'x' WHERE key = 'none'");
        });
        const error = await hold.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).code).toBe('VIGIL_STORE_IO');
        expect(store.storage.condition()).toMatchObject({
          writable: false,
          error: { code: 'VIGIL_STORE_IO' },
        });
      } finally {
        await admin.end();
      }
      // The pool opens a fresh connection: the next write works and the store is writable again.
      await store.runtime.flush(batch({ checks: [checkRecord('c1', 1, T0, true)] }));
      expect(await store.runtime.storedJobs(['c1'])).toEqual(new Set(['c1']));
      expect(store.storage.condition()).toEqual({ writable: true });
    });

    it('a read-only transaction (a standby, default_transaction_read_only) is VIGIL_STORE_READ_ONLY', async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query('SET default_transaction_read_only = on');
        const error = await client.query('CREATE TEMP TABLE t (x int)').catch((e: unknown) => e);
        const mapped = storageErrorOf(error, 'postgres://u@h/db');
        expect(mapped?.code).toBe('VIGIL_STORE_READ_ONLY');
        expect(mapped?.message).toContain('postgres://u@h/db');
      } finally {
        await client.end();
      }
    });
  });
}
