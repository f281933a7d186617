// The one way the collector opens its store; nothing outside collector/store/ imports an engine's
// folder. SQLite is the only engine today: `location` is the database file. A second engine
// (PostgreSQL) is a sibling folder of ./sqlite/ implementing the same Store, chosen below by the
// form of `location`; nothing outside collector/store/ changes (ARCHITECTURE.md "Where a change
// goes").
import { openSqliteStore } from './sqlite/index.ts';
import type { Store } from './types.ts';

export interface OpenStoreOptions {
  /** Where the store is: today the SQLite file (created with its directory when missing). */
  location: string;
  /** Clock for migration records. */
  now?: () => number;
}

/** Opens the store and runs its pending migrations. */
export function openStore(options: OpenStoreOptions): Promise<Store> {
  // The engine branch: a `postgres://` (or `postgresql://`) location would open ./postgres/ here.
  // Until then every location is a file path, as it always was.
  return openSqliteStore({
    path: options.location,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}
