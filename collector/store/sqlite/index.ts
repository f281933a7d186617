// Opens the SQLite store: the file (and its directory) is created if needed, pending migrations
// run, then the sub-stores are ready.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Store } from '../types.ts';
import { SqliteAlertStore } from './alert-store.ts';
import { SqliteCheckStore } from './check-store.ts';
import { SqliteClusterStore } from './cluster-store.ts';
import { SqliteDatabase } from './database.ts';
import { classified } from './failures.ts';
import { SqliteIncidentStore } from './incident-store.ts';
import { type Migration, migrate } from './migrate.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { SqliteMonitorStore } from './monitor-store.ts';
import { SqliteRetention } from './retention-store.ts';
import { SqliteRuntimeStore } from './runtime-store.ts';
import { SqliteSettingsStore } from './settings-store.ts';
import { SqliteStatusStore } from './status-store.ts';

export interface SqliteStoreOptions {
  path: string;
  now?: () => number;
  busyTimeoutMs?: number;
  /** For tests of the migration runner; defaults to the real list. */
  migrations?: readonly Migration[];
}

export interface SqliteStore extends Store {
  readonly db: SqliteDatabase;
  /** Versions applied by this open (empty when the file was current). */
  readonly migrated: number[];
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  await mkdir(dirname(options.path), { recursive: true }).catch((error: unknown) => {
    throw classified(error, options.path);
  });
  const db = await SqliteDatabase.open(options.path, options.busyTimeoutMs);
  let migrated: number[];
  try {
    migrated = await migrate(db, options.migrations ?? MIGRATIONS, options.now ?? Date.now);
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    db,
    migrated,
    monitors: new SqliteMonitorStore(db),
    settings: new SqliteSettingsStore(db),
    runtime: new SqliteRuntimeStore(db),
    checks: new SqliteCheckStore(db),
    incidents: new SqliteIncidentStore(db),
    alerts: new SqliteAlertStore(db),
    status: new SqliteStatusStore(db),
    retention: new SqliteRetention(db),
    storage: db.health,
    cluster: new SqliteClusterStore(db),
    close: () => db.close(),
  };
}
