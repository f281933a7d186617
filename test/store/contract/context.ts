// What every part of the store contract receives: the store of the running case (a fresh one per
// case) and a way to create monitors through the public sync.
import type { Store } from '../../../collector/store/types.ts';
import type { MonitorSpec } from '../../../schema/types.ts';
import { makeSpec } from '../../collector/fixtures.ts';
import { create, writes } from '../fixtures.ts';

export interface ContractContext {
  readonly store: Store;
  /** Creates monitors m1..mN in one sync; returns their lineage ids by monitor id. */
  seed(count: number, spec?: (id: string) => Partial<MonitorSpec>): Promise<Map<string, number>>;
}

export function contractContext(current: () => Store): ContractContext {
  return {
    get store() {
      return current();
    },
    async seed(count, spec = () => ({})) {
      const store = current();
      const ids = Array.from({ length: count }, (_, i) => `m${i + 1}`);
      await store.monitors.sync(() => ({
        result: null,
        writes: writes({ creates: ids.map((id) => create(makeSpec(id, spec(id)))) }),
      }));
      return new Map((await store.monitors.list()).map((m) => [m.id, m.historyId]));
    },
  };
}
