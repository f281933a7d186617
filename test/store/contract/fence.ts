// Store contract: fenced flushes (FlushBatch.fence, ARCHITECTURE.md "Cluster"). On a shared store
// (PostgreSQL) a flush whose writer no longer holds a monitor's shard lease at the epoch it names
// stores the checks but not that monitor's state, incident events or misses, and says which
// lineages it left out; the monitors it still holds are written as usual. A store one collector
// owns (SQLite) writes everything whatever the fence.
import { expect, it } from 'vitest';
import { shardOf } from '../../../collector/store/cluster-types.ts';
import { batch, checkRecord, incidentEvent, storedState, T0 } from '../fixtures.ts';
import type { ContractContext } from './context.ts';

const TTL = 15_000;

export function fenceCases(ctx: ContractContext): void {
  it('fence: a stale epoch stores the checks but not the state, events and misses of its monitors', async () => {
    const ids = await ctx.seed(2);
    const [lost, kept] = [ids.get('m1')!, ids.get('m2')!];
    const { cluster, runtime } = ctx.store;
    // a held both shards at epoch 1; b took the first one after it expired (epoch 2).
    expect(await cluster.acquireMany([shardOf(lost), shardOf(kept)], 'a', T0, TTL)).toHaveLength(2);
    expect(await cluster.acquire(shardOf(lost), 'b', T0 + TTL, TTL)).toBe(true);
    await runtime.flush(batch({ states: [storedState(lost, { monitorId: 'm1' })] }));

    const fence = {
      member: 'a',
      epochs: new Map([
        [shardOf(lost), 1],
        [shardOf(kept), 1],
      ]),
    };
    const outcome = await runtime.flush(
      batch({
        checks: [checkRecord('a-1', lost, T0 + 20_000, false), checkRecord('a-2', kept, T0 + 20_000, false)],
        states: [
          storedState(lost, { monitorId: 'm1', verdict: { ...storedState(lost).verdict, state: 'down' } }),
          storedState(kept, { monitorId: 'm2', verdict: { ...storedState(kept).verdict, state: 'down' } }),
        ],
        events: [incidentEvent(lost), incidentEvent(kept)],
        missed: [{ historyId: lost, region: 'eu', at: T0 + 20_000 }],
        fence,
      }),
    );
    // Checks are facts: both stored.
    expect(await runtime.storedJobs(['a-1', 'a-2'])).toEqual(new Set(['a-1', 'a-2']));
    const states = new Map((await runtime.loadStates()).map((s) => [s.historyId, s.verdict.state]));
    const incidents = (await ctx.store.incidents.list({ status: 'all', limit: 10 })).map((i) => i.monitorId);
    expect(states.get(kept)).toBe('down');
    if (ctx.store.cluster.shared) {
      expect(outcome).toEqual({ fencedHistories: [lost], fencedRows: 3 });
      expect(states.get(lost)).toBe('up');
      expect(incidents).toEqual(['m2']);
    } else {
      expect(outcome ?? undefined).toBeUndefined();
      expect(states.get(lost)).toBe('down');
      expect(incidents.sort()).toEqual(['m1', 'm2']);
    }
  });
}
