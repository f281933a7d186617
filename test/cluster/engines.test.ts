// Two collectors' runtimes (engine, membership) on one PostgreSQL schema, each with its own store
// (pool) and its own fake clock, the clocks moved together: every monitor is scheduled by exactly
// one of them once the second joined (rebalance), and when one stops renewing (its clock stops:
// no timer of it runs again, as after kill -9), the other schedules all its monitors once the
// leases expired, within 30 s.
import { afterEach, expect, it } from 'vitest';
import { SHARD_COUNT } from '../../collector/store/cluster-types.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { create, writes } from '../store/fixtures.ts';
import { dropSchema, freshSchema, requirePostgres } from '../store/postgres-support.ts';
import { advance, type Node, node } from './runtime-nodes.ts';

const IDS = Array.from({ length: SHARD_COUNT }, (_, i) => `m${i + 1}`);

if (await requirePostgres('cluster engines on PostgreSQL')) {
  let cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    cleanup = [];
  });

  const scheduledBy = (nodes: Node[], id: string) =>
    nodes.filter((n) => n.alive && n.runtime.engine.status(id) !== undefined).length;

  it('every monitor is scheduled by exactly one collector; a silent one is taken over after the TTL', async () => {
    const schema = freshSchema();
    cleanup.push(() => dropSchema(schema));
    const a = await node(schema, 'member-a', cleanup);
    await a.store.monitors.sync(() => ({
      result: null,
      writes: writes({ creates: IDS.map((id) => create(makeSpec(id))) }),
    }));
    await a.runtime.start();
    cleanup.push(() => a.runtime.stop());
    // Alone: every shard at the first round, before the engine loaded.
    expect(a.runtime.cluster.ownedShards().size).toBe(SHARD_COUNT);
    expect(a.runtime.engine.stats().monitors).toBe(IDS.length);

    const b = await node(schema, 'member-b', cleanup);
    await b.runtime.start();
    cleanup.push(() => b.runtime.stop());
    const nodes = [a, b];
    // a releases half at its next round; b takes them at its next.
    for (let i = 0; i < 30 && b.runtime.cluster.ownedShards().size < SHARD_COUNT / 2; i++) {
      await advance(nodes, 1000);
    }
    await advance(nodes, 5000);
    expect(a.runtime.cluster.ownedShards().size).toBe(SHARD_COUNT / 2);
    expect(b.runtime.cluster.ownedShards().size).toBe(SHARD_COUNT / 2);
    for (const id of IDS) expect(scheduledBy(nodes, id), id).toBe(1);
    expect(a.runtime.engine.stats().monitors + b.runtime.engine.stats().monitors).toBe(IDS.length);

    // b goes silent (no heartbeat, no renewal): a takes its shards once the leases expire.
    b.alive = false;
    const killedAt = a.clock.now();
    let takenAt: number | null = null;
    for (let i = 0; i < 40 && takenAt === null; i++) {
      await advance([a], 1000);
      if (a.runtime.engine.stats().monitors === IDS.length) takenAt = a.clock.now();
    }
    expect(takenAt).not.toBeNull();
    expect(takenAt! - killedAt).toBeLessThanOrEqual(30_000);
    expect(takenAt! - killedAt).toBeGreaterThanOrEqual(10_000);
    expect(a.runtime.cluster.ownedShards().size).toBe(SHARD_COUNT);
    for (const id of IDS) expect(a.runtime.engine.status(id), id).toBeDefined();
    const leases = await a.store.cluster.leases();
    expect(leases.every((l) => l.owner === 'member-a')).toBe(true);
  });
}
