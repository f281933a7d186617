// The store contract against the SQLite store, opened the way the collector opens it
// (collector/store/open.ts), in a fresh file per test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../collector/store/open.ts';
import { describeStoreContract } from './contract.ts';

describeStoreContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-store-contract-'));
  const store = await openStore({ location: join(dir, 'vigil.db'), now: () => Date.UTC(2026, 0, 5, 10) });
  return {
    store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
