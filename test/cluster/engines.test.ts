// Two collectors' runtimes (engine, membership) on one PostgreSQL schema, each with its own store
// (pool) and its own fake clock, the clocks moved together: every monitor is scheduled by exactly
// one of them once the second joined (rebalance), and when one stops renewing (its clock stops:
// no timer of it runs again, as after kill -9), the other schedules all its monitors once the
// leases expired, within 30 s.
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../collector/config/config.ts';
import { createRuntime, type Runtime } from '../../collector/engine/runtime.ts';
import { SHARD_COUNT } from '../../collector/store/cluster-types.ts';
import { openStore } from '../../collector/store/open.ts';
import type { Store } from '../../collector/store/types.ts';
import { silentLogger } from '../../common/log.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { FakeClock } from '../engine/fake-clock.ts';
import { create, writes } from '../store/fixtures.ts';
import { dropSchema, freshSchema, requirePostgres, schemaUrl } from '../store/postgres-support.ts';

const START = Date.UTC(2026, 0, 5, 12);
const IDS = Array.from({ length: SHARD_COUNT }, (_, i) => `m${i + 1}`);

/** A few real turns: store round trips started by timers finish. */
const io = () => new Promise((resolve) => setTimeout(resolve, 30));

if (await requirePostgres('cluster engines on PostgreSQL')) {
  let cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    cleanup = [];
  });

  interface Node {
    clock: FakeClock;
    store: Store;
    runtime: Runtime;
    alive: boolean;
  }

  async function node(schema: string, memberId: string): Promise<Node> {
    const store = await openStore({ location: schemaUrl(schema) });
    cleanup.push(() => store.close());
    const clock = new FakeClock(START);
    const runtime = createRuntime({ ...DEFAULT_CONFIG, db: ':memory:' }, store, silentLogger, {
      clock: clock.now,
      timers: clock,
      rng: () => 0.5,
      cluster: { memberId },
    });
    return { clock, store, runtime, alive: true };
  }

  /** Moves every live node's clock by `ms` in 1 s steps, letting their I/O finish on the way. */
  async function advance(nodes: Node[], ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 1000) {
      // A silent node's clock stays behind: nothing of it runs.
      for (const n of nodes) if (n.alive) await n.clock.advance(1000);
      await io();
    }
  }

  const scheduledBy = (nodes: Node[], id: string) =>
    nodes.filter((n) => n.alive && n.runtime.engine.status(id) !== undefined).length;

  it('every monitor is scheduled by exactly one collector; a silent one is taken over after the TTL', async () => {
    const schema = freshSchema();
    cleanup.push(() => dropSchema(schema));
    const a = await node(schema, 'member-a');
    await a.store.monitors.sync(() => ({
      result: null,
      writes: writes({ creates: IDS.map((id) => create(makeSpec(id))) }),
    }));
    await a.runtime.start();
    cleanup.push(() => a.runtime.stop());
    // Alone: every shard at the first round, before the engine loaded.
    expect(a.runtime.cluster.ownedShards().size).toBe(SHARD_COUNT);
    expect(a.runtime.engine.stats().monitors).toBe(IDS.length);

    const b = await node(schema, 'member-b');
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
