// The one way the collector opens its store; nothing outside collector/store/ imports an engine's
// folder. The form of `location` chooses the engine: a `postgres://` or `postgresql://` URL opens
// the PostgreSQL store (./postgres/), anything else is the SQLite file (./sqlite/). Both implement
// the same Store and pass the same contract suite (ARCHITECTURE.md "Store").
import { isPostgresUrl, openPostgresStore } from './postgres/index.ts';
import { openSqliteStore } from './sqlite/index.ts';
import type { Store } from './types.ts';

export interface OpenStoreOptions {
  /**
   * Where the store is: a PostgreSQL URL (`postgres://user:password@host/db?schema=name`), or the
   * SQLite file (created with its directory when missing).
   */
  location: string;
  /** Clock for migration records. */
  now?: () => number;
}

/** Opens the store and runs its pending migrations. */
export function openStore(options: OpenStoreOptions): Promise<Store> {
  const now = options.now === undefined ? {} : { now: options.now };
  if (isPostgresUrl(options.location)) return openPostgresStore({ url: options.location, ...now });
  return openSqliteStore({ path: options.location, ...now });
}
