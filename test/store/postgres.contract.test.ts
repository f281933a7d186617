// The store contract against the PostgreSQL store, opened the way the collector opens it
// (collector/store/open.ts, a postgres:// URL), in a fresh schema per case, dropped after.
import { openStore } from '../../collector/store/open.ts';
import { describeStoreContract } from './contract.ts';
import { dropSchema, freshSchema, requirePostgres, schemaUrl } from './postgres-support.ts';

if (await requirePostgres('store contract: postgres')) {
  describeStoreContract('postgres', async () => {
    const schema = freshSchema();
    const store = await openStore({ location: schemaUrl(schema), now: () => Date.UTC(2026, 0, 5, 10) });
    return {
      store,
      close: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });
}
