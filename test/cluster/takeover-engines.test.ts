// Two collectors' runtimes on one PostgreSQL schema with fake clocks (as engines.test.ts): when one
// goes silent (as after kill -9), the other takes its shards once the leases expire, and runs the
// rounds its monitors missed meanwhile at the takeover instead of at their next slots, so no
// monitor waits more than one interval + 30 s (ARCHITECTURE.md "Cluster"). No runner is
// registered: every round started is counted as missed `no_runner`, which is how the rounds are
// seen here.
import { afterEach, expect, it } from 'vitest';
import { SHARD_COUNT } from '../../collector/store/cluster-types.ts';
import type { Store } from '../../collector/store/types.ts';
import { initialState } from '../../collector/verdict/machine.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { create, writes } from '../store/fixtures.ts';
import { dropSchema, freshSchema, requirePostgres } from '../store/postgres-support.ts';
import { advance, type Node, node, START } from './runtime-nodes.ts';

// Long enough that rounds at their slots hardly ever fall in the second watched after takeover.
const INTERVAL = 300_000;
const IDS = Array.from({ length: SHARD_COUNT }, (_, i) => `m${i + 1}`);

if (await requirePostgres('cluster takeover on PostgreSQL')) {
  let cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    cleanup = [];
  });

  /**
   * Every monitor last ran two intervals before START (its collector then stopped); or it started
   * a round at `started` that nobody answered, the last answer being from two intervals before.
   */
  async function seedStates(store: Store, started: number | null = null): Promise<void> {
    const versions = await store.runtime.loadMonitorVersions();
    await store.runtime.flush({
      checks: [],
      logs: [],
      marks: [],
      states: versions.map((v) => ({
        historyId: v.historyId,
        monitorId: v.id,
        verdict: initialState(START - 2 * INTERVAL),
        lastRoundAt: started ?? START - 2 * INTERVAL,
        lastResults:
          started === null
            ? []
            : [
                {
                  region: 'a',
                  jobId: `j-${v.id}`,
                  runner: 'r1',
                  purpose: 'scheduled' as const,
                  ok: true,
                  reason: null,
                  message: '200 OK',
                  status: 200,
                  totalMs: 3,
                  at: START - 2 * INTERVAL,
                  mark: null,
                },
              ],
        updatedAt: START - 2 * INTERVAL,
      })),
      dropStates: [],
      events: [],
      runners: [],
      missed: [],
    });
  }

  async function syncAll(store: Store, started: number | null = null): Promise<void> {
    await store.monitors.sync(() => ({
      result: null,
      writes: writes({ creates: IDS.map((id) => create(makeSpec(id, { interval: INTERVAL }))) }),
    }));
    await seedStates(store, started);
  }

  const noRunner = (n: Node) => n.runtime.engine.stats().missed.no_runner;

  it('the collector taking shards over runs their missed rounds at once', async () => {
    const schema = freshSchema();
    cleanup.push(() => dropSchema(schema));
    const a = await node(schema, 'member-a', cleanup);
    await syncAll(a.store);
    await a.runtime.start();
    cleanup.push(() => a.runtime.stop());
    const b = await node(schema, 'member-b', cleanup);
    await b.runtime.start();
    cleanup.push(() => b.runtime.stop());
    const nodes = [a, b];
    for (let i = 0; i < 30 && b.runtime.cluster.ownedShards().size < SHARD_COUNT / 2; i++) {
      await advance(nodes, 1000);
    }
    await advance(nodes, 5000);
    const gained = b.runtime.engine.stats().monitors;
    expect(gained).toBe(IDS.length / 2);

    b.alive = false;
    const killedAt = a.clock.now();
    let takenAt: number | null = null;
    let before = noRunner(a);
    for (let i = 0; i < 40 && takenAt === null; i++) {
      before = noRunner(a);
      await advance([a], 1000);
      if (a.runtime.engine.stats().monitors === IDS.length) takenAt = a.clock.now();
    }
    expect(takenAt).not.toBeNull();
    expect(takenAt! - killedAt).toBeLessThanOrEqual(30_000);
    await advance([a], 1000);
    // Each gained monitor's round ran at the takeover (before: at its next slot, up to one
    // interval later).
    expect(noRunner(a) - before).toBeGreaterThanOrEqual(gained);
  });

  it('a collector starting with the expired shards of a dead one runs their missed rounds at once', async () => {
    const schema = freshSchema();
    cleanup.push(() => dropSchema(schema));
    const a = await node(schema, 'member-a', cleanup);
    await syncAll(a.store);
    await a.runtime.start();
    cleanup.push(() => a.runtime.stop());
    expect(a.runtime.cluster.ownedShards().size).toBe(SHARD_COUNT);
    // a goes silent; c starts once its leases expired and takes every shard at its first round.
    a.alive = false;
    const c = await node(schema, 'member-c', cleanup);
    await c.clock.advance(30_000);
    await c.runtime.start();
    cleanup.push(() => c.runtime.stop());
    expect(c.runtime.cluster.ownedShards().size).toBe(SHARD_COUNT);
    await advance([c], 1000);
    expect(noRunner(c)).toBeGreaterThanOrEqual(IDS.length);
  });

  it('a round started but never answered does not count as run at the takeover', async () => {
    const schema = freshSchema();
    cleanup.push(() => dropSchema(schema));
    const a = await node(schema, 'member-a', cleanup);
    // a started every monitor's round at START + 20 s and died before any answer came.
    await syncAll(a.store, START + 20_000);
    const c = await node(schema, 'member-c', cleanup);
    await c.clock.advance(30_000);
    await c.runtime.start();
    cleanup.push(() => c.runtime.stop());
    expect(c.runtime.cluster.ownedShards().size).toBe(SHARD_COUNT);
    await advance([c], 1000);
    expect(noRunner(c)).toBeGreaterThanOrEqual(IDS.length);
  });
}
