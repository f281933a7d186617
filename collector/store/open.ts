// The one way the collector opens its store. SQLite is the only engine today: `location` is the
// database file. A second engine (PostgreSQL, chosen by a `postgres://` URL) is a sibling folder
// of ./sqlite/ implementing the same Store, picked here; nothing outside collector/store/ changes
// (ARCHITECTURE.md "Where a change goes").
import { openSqliteStore } from './sqlite/index.ts';
import type { Store } from './types.ts';

export interface OpenStoreOptions {
  /** The SQLite file (created with its directory when missing). */
  location: string;
  /** Clock for migration records. */
  now?: () => number;
}

/** Opens the store and runs its pending migrations. */
export function openStore(options: OpenStoreOptions): Promise<Store> {
  return openSqliteStore({
    path: options.location,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}
