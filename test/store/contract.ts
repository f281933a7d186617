// The store contract: what the collector relies on from any Store, through its public interface
// only (no SQL, no engine-specific imports). Every implementation runs it: SQLite in
// sqlite.contract.test.ts; a new engine adds one such file (ARCHITECTURE.md "Where a change goes").
// The cases live in ./contract/ by concern; each gets a fresh store.
import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../../collector/store/types.ts';
import { alertCases } from './contract/alerts.ts';
import { clusterCases } from './contract/cluster.ts';
import { contractContext } from './contract/context.ts';
import { fenceCases } from './contract/fence.ts';
import { monitorCases } from './contract/monitors.ts';
import { outboxClaimCases } from './contract/outbox-claims.ts';
import { runtimeCases } from './contract/runtime.ts';
import { statusCases } from './contract/status.ts';

export interface OpenedStore {
  store: Store;
  close(): Promise<void>;
}

export function describeStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`store contract: ${name}`, () => {
    let opened: OpenedStore | undefined;
    beforeEach(async () => {
      opened = await open();
    });
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });
    const ctx = contractContext(() => {
      if (opened === undefined) throw new Error('the store is open only inside a case');
      return opened.store;
    });
    monitorCases(ctx);
    runtimeCases(ctx);
    alertCases(ctx);
    outboxClaimCases(ctx);
    statusCases(ctx);
    clusterCases(ctx);
    fenceCases(ctx);
  });
}
