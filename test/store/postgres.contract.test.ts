// The store contract against the PostgreSQL store, opened the way the collector opens it
// (collector/store/open.ts, a postgres:// URL). One schema for the file, migrated once; each case
// opens a store on it and empties it after (postgres-support.ts SchemaCleaner), several times
// faster than migrating a schema per case. The schema is dropped at the end.
import { afterAll, beforeAll } from 'vitest';
import { openStore } from '../../collector/store/open.ts';
import { describeStoreContract } from './contract.ts';
import { dropSchema, freshSchema, requirePostgres, SchemaCleaner, schemaUrl } from './postgres-support.ts';

if (await requirePostgres('store contract: postgres')) {
  const schema = freshSchema();
  const cleaner = new SchemaCleaner(schema);
  const open = () => openStore({ location: schemaUrl(schema), now: () => Date.UTC(2026, 0, 5, 10) });
  beforeAll(async () => {
    await (await open()).close();
  });
  afterAll(async () => {
    await cleaner.end();
    await dropSchema(schema);
  });
  describeStoreContract('postgres', async () => {
    const store = await open();
    return {
      store,
      close: async () => {
        await store.close();
        await cleaner.empty();
      },
    };
  });
}
