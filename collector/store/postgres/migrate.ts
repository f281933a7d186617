// Versioned migrations of the PostgreSQL store, run at open. The schema is created when missing;
// each migration runs in its own transaction and records its version in `schema_migrations`, so
// a failure leaves the schema at the last whole version. A session advisory lock keyed by the
// schema is held across the whole run: two collectors starting at once on an empty schema take
// turns, and the second finds every version applied. Versions only grow; append to MIGRATIONS.
import type pg from 'pg';
import { MigrationError } from '../sqlite/migrate.ts';
import { CLUSTER_SQL } from './cluster-store.ts';
import { quoteIdent } from './database.ts';
import { classified } from './failures.ts';
import { DELIVERY_SQL, MONITORS_SQL, RUNTIME_SQL } from './schema-base.ts';
import { CHECK_JOBS_SQL } from './schema-check-jobs.ts';
import { OUTBOX_CLAIMS_SQL } from './schema-outbox-claims.ts';
import { STATUS_SQL } from './schema-status.ts';

export interface PgMigration {
  version: number;
  name: string;
  up: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  { version: 1, name: 'monitors', up: MONITORS_SQL },
  { version: 2, name: 'runtime', up: RUNTIME_SQL },
  { version: 3, name: 'status', up: STATUS_SQL },
  { version: 4, name: 'incident-delivery', up: DELIVERY_SQL },
  { version: 5, name: 'cluster', up: CLUSTER_SQL },
  { version: 6, name: 'outbox-claims', up: OUTBOX_CLAIMS_SQL },
  { version: 7, name: 'check-jobs', up: CHECK_JOBS_SQL },
];

/** Applies pending migrations on `client` (its search_path is the schema); returns versions applied. */
export async function migratePg(
  client: pg.PoolClient,
  schema: string,
  location: string,
  now: () => number,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<number[]> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationError(
        'VIGIL_ERR_MIGRATIONS_INVALID',
        `migration "${m.name}" has version ${m.version}, expected ${i + 1}`,
      );
    }
  });
  const q = async (sql: string, params: unknown[] = []) => {
    try {
      return await client.query(sql, params);
    } catch (error) {
      throw classified(error, location);
    }
  };
  // Advisory locks are per database: the key names the schema, so collectors of other schemas
  // never wait for this one.
  await q('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`vigil:migrate:${schema}`]);
  try {
    // Only when missing: a role that may use an existing schema need not be allowed to create one.
    const exists = await q('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await q(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await q(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
    const row = (await q('SELECT coalesce(max(version), 0) AS v FROM schema_migrations')).rows[0] as {
      v: number;
    };
    const current = Number(row.v);
    if (current > migrations.length) {
      throw new MigrationError(
        'VIGIL_ERR_DB_TOO_NEW',
        `database schema version ${current} is newer than this Vigil knows (${migrations.length}); upgrade Vigil`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations.slice(current)) {
      await q('BEGIN');
      try {
        await q(migration.up);
        await q('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          now(),
        ]);
        await q('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client
      .query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`vigil:migrate:${schema}`])
      .catch(() => undefined);
  }
}
