// Opens the PostgreSQL store: connects a pool to the URL, creates the schema and runs pending
// migrations under an advisory lock, creates the coming days' check partitions, then the
// sub-stores are ready. Every table lives in one schema (`vigil` unless the URL's `schema`
// parameter or the `schema` option names another), so one database can hold several collectors,
// and each test its own schema.
import { StorageError } from '../errors.ts';
import type { Store } from '../types.ts';
import { PgAlertStore } from './alert-store.ts';
import { PgClusterStore } from './cluster-store.ts';
import { PgDatabase } from './database.ts';
import { classified, redactUrl } from './failures.ts';
import { migratePg, type PgMigration } from './migrate.ts';
import { PgMonitorStore } from './monitor-store.ts';
import { CheckPartitions } from './partitions.ts';
import { PgCheckStore, PgIncidentStore, PgSettingsStore } from './read-stores.ts';
import { PgRetention } from './retention-store.ts';
import { PgRuntimeStore } from './runtime-store.ts';
import { PgStatusStore } from './status-store.ts';

export const DEFAULT_SCHEMA = 'vigil';
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database[?schema=name]`. */
  url: string;
  /** Overrides the URL's `schema` parameter. */
  schema?: string;
  now?: () => number;
  /** Pool size (default 8). */
  maxConnections?: number;
  /** For tests of the migration runner; defaults to the real list. */
  migrations?: readonly PgMigration[];
}

export interface PostgresStore extends Store {
  readonly db: PgDatabase;
  /** Versions applied by this open (empty when the schema was current). */
  readonly migrated: number[];
}

/** Whether `location` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

/** The URL without the `schema` parameter (not one PostgreSQL knows), and that schema. */
function splitSchema(url: string): { url: string; schema: string | null } {
  try {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema');
    parsed.searchParams.delete('schema');
    return { url: parsed.toString(), schema };
  } catch {
    return { url, schema: null };
  }
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const split = splitSchema(options.url);
  const schema = options.schema ?? split.schema ?? DEFAULT_SCHEMA;
  const location = redactUrl(options.url);
  if (!SCHEMA_NAME.test(schema)) {
    // It goes into the connection's options and the advisory lock key: plain identifiers only.
    throw new StorageError(
      'VIGIL_STORE_CANT_OPEN',
      location,
      `the PostgreSQL schema name "${schema}" is not usable: use letters, digits and _ (at most 63, not starting with a digit), e.g. ?schema=vigil`,
    );
  }
  const now = options.now ?? Date.now;
  const db = new PgDatabase({
    url: split.url,
    schema,
    location,
    ...(options.maxConnections === undefined ? {} : { max: options.maxConnections }),
  });
  const partitions = new CheckPartitions(db);
  let migrated: number[];
  try {
    migrated = await db.withClient((client) => migratePg(client, schema, location, now, options.migrations));
    await partitions.open(Date.now());
  } catch (error) {
    await db.close().catch(() => undefined);
    throw classified(error, location);
  }
  return {
    db,
    migrated,
    monitors: new PgMonitorStore(db),
    settings: new PgSettingsStore(db),
    runtime: new PgRuntimeStore(db, partitions),
    checks: new PgCheckStore(db),
    incidents: new PgIncidentStore(db),
    alerts: new PgAlertStore(db),
    status: new PgStatusStore(db),
    retention: new PgRetention(db, partitions),
    storage: db.health,
    cluster: new PgClusterStore(db),
    close: () => db.close(),
  };
}
