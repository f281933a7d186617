// The PostgreSQL server the PostgreSQL store's tests use: VIGIL_TEST_DATABASE_URL, else the local
// one on 127.0.0.1:5432 (user postgres, database test). Each test works in a schema of its own,
// dropped after. When no server answers, the tests are skipped with a line saying why; in CI
// (CI=true) they fail instead, because CI must run them.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

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

/** Whether to run the PostgreSQL tests; prints the reason when they are skipped, throws in CI. */
export async function requirePostgres(suite: string): Promise<boolean> {
  const why = await postgresUnavailable();
  if (why === null) return true;
  if (process.env.CI === 'true') {
    throw new Error(`${suite}: PostgreSQL at ${PG_URL} is unreachable in CI (${why})`);
  }
  console.warn(`skipping ${suite}: PostgreSQL at ${PG_URL} is unreachable (${why})`);
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
