// The PostgreSQL server the PostgreSQL store's tests use: VIGIL_TEST_DATABASE_URL, else the local
// one on 127.0.0.1:5432 (user postgres, database test). Each test works in a schema of its own,
// dropped after. When no server answers, the tests are skipped with a line saying why; in CI
// (CI=true) they fail instead, because CI must run them.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';
import { redactUrl } from '../../collector/store/postgres/failures.ts';

export const PG_URL = process.env.VIGIL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** null when the server answers, else why not. */
export async function postgresUnavailable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return `${(error as Error).message || String(error)}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether to run the PostgreSQL tests of `suite`. When the server does not answer: in CI
 * (CI=true) this throws, failing the file; elsewhere it prints one line saying why and registers
 * `suite` as skipped, so the run shows it (never a silent pass).
 */
export async function requirePostgres(suite: string): Promise<boolean> {
  const why = await postgresUnavailable();
  if (why === null) return true;
  const where = redactUrl(PG_URL);
  if (process.env.CI === 'true') {
    throw new Error(`${suite}: PostgreSQL at ${where} is unreachable in CI (${why})`);
  }
  console.warn(`skipping ${suite}: PostgreSQL at ${where} is unreachable (${why})`);
  describe.skip(suite, () => {
    it(`needs PostgreSQL at ${where} (VIGIL_TEST_DATABASE_URL)`, () => undefined);
  });
  return false;
}

export function freshSchema(): string {
  return `vigil_test_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** The URL of `schema` on the test server. */
export function schemaUrl(schema: string): string {
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/**
 * Empties a migrated schema between cases: deletes every row but the migration record and the
 * generation counters (which only need to grow) and restarts its sequences, so the next case sees
 * a store as good as new. DELETE of a few rows is far cheaper than TRUNCATE (new files for every
 * table and index) or a new schema (migrations); the statement is built once, tables referencing
 * ones first (their foreign keys read from the catalog), and sent as one round trip.
 */
export class SchemaCleaner {
  readonly #schema: string;
  readonly #client = new pg.Client({ connectionString: PG_URL });
  #sql: string | null = null;

  constructor(schema: string) {
    this.#schema = schema;
  }

  async empty(): Promise<void> {
    if (this.#sql === null) {
      await this.#client.connect();
      this.#sql = await this.#build();
    }
    await this.#client.query(this.#sql);
  }

  async end(): Promise<void> {
    await this.#client.end().catch(() => undefined);
  }

  async #build(): Promise<string> {
    const schema = this.#schema;
    const tables = await this.#client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         AND c.relname NOT IN ('schema_migrations', 'status_meta')`,
      [schema],
    );
    const refs = await this.#client.query<{ child: string; parent: string }>(
      `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE k.contype = 'f' AND n.nspname = $1 AND c.relname <> p.relname`,
      [schema],
    );
    const sequences = await this.#client.query<{ name: string }>(
      'SELECT sequencename AS name FROM pg_sequences WHERE schemaname = $1',
      [schema],
    );
    const left = new Set(tables.rows.map((r) => r.name));
    const order: string[] = [];
    while (left.size > 0) {
      // A table goes once no table left refers to it.
      const free = [...left].filter((t) => !refs.rows.some((r) => r.parent === t && left.has(r.child)));
      if (free.length === 0) throw new Error(`circular foreign keys among ${[...left].join(', ')}`);
      for (const t of free) {
        left.delete(t);
        order.push(t);
      }
    }
    return [
      // Triggers (pause spans) name their tables without the schema.
      `SET search_path = "${schema}"`,
      'BEGIN',
      ...order.map((t) => `DELETE FROM "${t}"`),
      // Ids from 1 again: the fixtures name monitor m<n> after lineage n.
      ...sequences.rows.map((r) => `SELECT setval('"${schema}"."${r.name}"', 1, false)`),
      'COMMIT',
    ].join(';\n');
  }
}
