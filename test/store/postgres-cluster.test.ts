// Shard leases under contention: two stores (two pools, as two collector processes) on one
// PostgreSQL schema race for the same shards; every shard has exactly one winner, and the lease
// rows agree with what each was told.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARD_COUNT } from '../../collector/store/cluster-types.ts';
import { openStore } from '../../collector/store/open.ts';
import type { Store } from '../../collector/store/types.ts';
import { dropSchema, freshSchema, requirePostgres, schemaUrl } from './postgres-support.ts';

const T = Date.UTC(2026, 0, 5, 10);
const TTL = 15_000;
const ALL = Array.from({ length: SHARD_COUNT }, (_, i) => i);

if (await requirePostgres('postgres cluster leases')) {
  const schema = freshSchema();
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    a = await openStore({ location: schemaUrl(schema) });
    b = await openStore({ location: schemaUrl(schema) });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dropSchema(schema);
  });

  describe('postgres cluster leases', () => {
    it('two owners racing for each free shard: exactly one wins each', async () => {
      const results = await Promise.all(
        ALL.flatMap((shard) => [
          a.cluster.acquire(shard, 'a', T, TTL).then((won) => ({ shard, owner: 'a', won })),
          b.cluster.acquire(shard, 'b', T, TTL).then((won) => ({ shard, owner: 'b', won })),
        ]),
      );
      const leases = await a.cluster.leases();
      expect(leases).toHaveLength(SHARD_COUNT);
      for (const shard of ALL) {
        const winners = results.filter((r) => r.shard === shard && r.won).map((r) => r.owner);
        expect(winners, `shard ${shard}`).toHaveLength(1);
        expect(leases[shard]).toMatchObject({ shard, owner: winners[0], epoch: 1 });
      }
    });

    it('two owners taking every expired shard at once (acquireMany): the sets are disjoint and cover all', async () => {
      const later = T + TTL;
      const [wonA, wonB] = await Promise.all([
        a.cluster.acquireMany(ALL, 'c', later, TTL),
        b.cluster.acquireMany(ALL, 'd', later, TTL),
      ]);
      expect(wonA.filter((s) => wonB.includes(s))).toEqual([]);
      expect([...wonA, ...wonB].sort((x, y) => x - y)).toEqual(ALL);
      const leases = await b.cluster.leases();
      for (const l of leases) {
        expect(l.owner).toBe(wonA.includes(l.shard) ? 'c' : 'd');
        // Every shard changed owner once more.
        expect(l.epoch).toBe(2);
      }
    });
  });
}
