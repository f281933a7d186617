// Collectors cut off from PostgreSQL keep monitoring (ARCHITECTURE.md "Cluster"): two runtimes on
// one schema, each with its own pool and fake clock (moved together), each with a runner of its
// own through its in-process transport. A collector's store is wrapped so that, while `down`, every
// call fails with a StorageError: a fault at the edge, the runtime under test is the real one.
// - The whole database away for 60 s: both keep scheduling the shards they held (jobs claimed
//   and answered all along); once it answers again every buffered check is stored and nobody's
//   shards moved.
// - Only A away for 60 s: B takes A's shards after they expire, A keeps probing them meanwhile;
//   when A writes again its checks are stored but its verdict state and incidents for those
//   monitors are fenced (B's state stays), counted in vigil_fenced_writes_total, and A drops them.
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../collector/config/config.ts';
import { createRuntime, type Runtime } from '../../collector/engine/runtime.ts';
import { SHARD_COUNT } from '../../collector/store/cluster-types.ts';
import { StorageError } from '../../collector/store/errors.ts';
import { openStore } from '../../collector/store/open.ts';
import type { Store } from '../../collector/store/types.ts';
import { silentLogger } from '../../common/log.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { FakeClock } from '../engine/fake-clock.ts';
import { checkResult } from '../engine/harness.ts';
import { create, writes } from '../store/fixtures.ts';
import { dropSchema, freshSchema, requirePostgres, schemaUrl } from '../store/postgres-support.ts';

const START = Date.UTC(2026, 0, 5, 12);
const REGION = 'r';
const IDS = Array.from({ length: SHARD_COUNT }, (_, i) => `m${i + 1}`);

/** A few real turns: store round trips started by timers finish. */
const io = () => new Promise((resolve) => setTimeout(resolve, 30));

/** `store` whose sub-store calls fail with a StorageError while `fault.down` (the database away). */
function faulty(store: Store): { store: Store; fault: { down: boolean; refused: number } } {
  const fault = { down: false, refused: 0 };
  const wrap = <T extends object>(part: T): T =>
    new Proxy(part, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (!fault.down) return value.apply(target, args);
          fault.refused += 1;
          const error = new StorageError('VIGIL_STORE_IO', 'postgres', 'connection refused (test fault)');
          return Promise.reject(error);
        };
      },
    });
  const parts = [
    'monitors',
    'settings',
    'runtime',
    'checks',
    'incidents',
    'alerts',
    'status',
    'retention',
    'cluster',
  ];
  const wrapped = new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof key === 'string' && parts.includes(key)) return wrap(value as object);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: wrapped, fault };
}

if (await requirePostgres('collectors cut off from PostgreSQL')) {
  let cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    cleanup = [];
  });

  interface Node {
    clock: FakeClock;
    store: Store;
    fault: { down: boolean; refused: number };
    runtime: Runtime;
    token: string;
    /** Monitor ids this node's runner answers failing (the rest succeed). */
    failing: Set<string>;
    /** Job ids answered (accepted) through this node, by monitor id. */
    answered: Map<string, string[]>;
  }

  async function node(schema: string, memberId: string): Promise<Node> {
    const real = await openStore({ location: schemaUrl(schema) });
    cleanup.push(() => real.close());
    const { store, fault } = faulty(real);
    const clock = new FakeClock(START);
    const runtime = createRuntime({ ...DEFAULT_CONFIG, db: ':memory:' }, store, silentLogger, {
      clock: clock.now,
      timers: clock,
      rng: () => 0.5,
      cluster: { memberId },
    });
    return { clock, store: real, fault, runtime, token: '', failing: new Set(), answered: new Map() };
  }

  async function serve(n: Node): Promise<void> {
    const { jobs } = await n.runtime.transport.claim(n.token, { max: 500, wait: 0, inFlight: 0 });
    if (jobs.length === 0) return;
    const at = n.clock.now();
    const answer = await n.runtime.transport.results(n.token, {
      results: jobs.map((job) => ({
        jobId: job.jobId,
        result: checkResult(!n.failing.has(job.monitorId), at),
        ...(job.ticket === undefined ? {} : { ticket: job.ticket }),
      })),
    });
    const accepted = new Set(answer.accepted);
    for (const job of jobs) {
      if (!accepted.has(job.jobId)) continue;
      const list = n.answered.get(job.monitorId) ?? [];
      list.push(job.jobId);
      n.answered.set(job.monitorId, list);
    }
  }

  /** Moves both clocks by `ms` in 1 s steps; the runners claim and answer at every step. */
  async function advance(nodes: Node[], ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 1000) {
      for (const n of nodes) await n.clock.advance(1000);
      await io();
      for (const n of nodes) await serve(n);
      await io();
    }
  }

  const owned = (n: Node) => [...n.runtime.cluster.ownedShards()].sort((a, b) => a - b);
  const answeredCount = (n: Node, ids: readonly string[]) =>
    ids.reduce((sum, id) => sum + (n.answered.get(id)?.length ?? 0), 0);

  /** A and B sharing the 64 monitors 32/32, each with a runner in region r. */
  async function pair(): Promise<{ a: Node; b: Node; nodes: Node[] }> {
    const schema = freshSchema();
    cleanup.push(() => dropSchema(schema));
    const a = await node(schema, 'member-a');
    const spec = { interval: 10_000, timeout: 5_000, regions: [REGION], confirm: { regions: 1 } };
    await a.store.monitors.sync(() => ({
      result: null,
      writes: writes({ creates: IDS.map((id) => create(makeSpec(id, spec))) }),
    }));
    await a.runtime.start();
    cleanup.push(() => a.runtime.stop());
    const b = await node(schema, 'member-b');
    await b.runtime.start();
    cleanup.push(() => b.runtime.stop());
    for (const n of [a, b]) {
      const registered = await n.runtime.transport.register({
        region: REGION,
        name: n.runtime.cluster.id,
        version: 'test',
        concurrency: 500,
      });
      n.token = registered.token;
    }
    const nodes = [a, b];
    for (let i = 0; i < 30 && owned(b).length < SHARD_COUNT / 2; i++) await advance(nodes, 1000);
    await advance(nodes, 5000);
    expect(owned(a)).toHaveLength(SHARD_COUNT / 2);
    expect(owned(b)).toHaveLength(SHARD_COUNT / 2);
    return { a, b, nodes };
  }

  const monitorsOf = (n: Node) => IDS.filter((id) => n.runtime.engine.status(id) !== undefined);

  it('the whole database away for 60 s: both keep probing their shards, nothing is lost, no shard moves', async () => {
    const { a, b, nodes } = await pair();
    const shardsA = owned(a);
    const shardsB = owned(b);
    const mineA = monitorsOf(a);
    const epochs = new Map((await a.store.cluster.leases()).map((l) => [l.shard, l.epoch]));
    const before = { a: answeredCount(a, mineA), b: answeredCount(b, monitorsOf(b)) };

    a.fault.down = true;
    b.fault.down = true;
    await advance(nodes, 60_000);
    // Still scheduling (not fenced 2 s before expiry): every 10 s round of its 32 monitors answered.
    expect(owned(a)).toEqual(shardsA);
    expect(owned(b)).toEqual(shardsB);
    const duringA = answeredCount(a, mineA) - before.a;
    expect(duringA).toBeGreaterThanOrEqual(32 * 5);
    expect(answeredCount(b, monitorsOf(b)) - before.b).toBeGreaterThanOrEqual(32 * 5);
    expect(a.runtime.engine.stats().flush.pending).toBeGreaterThan(0);
    expect(a.fault.refused).toBeGreaterThan(0);
    // Renewal lag grows while the store does not answer.
    expect(a.runtime.cluster.stats().renewLagSeconds).toBeGreaterThanOrEqual(55);

    a.fault.down = false;
    b.fault.down = false;
    await advance(nodes, 20_000);
    await a.runtime.engine.flush();
    await b.runtime.engine.flush();
    expect(owned(a)).toEqual(shardsA);
    expect(owned(b)).toEqual(shardsB);
    const leases = await a.store.cluster.leases();
    for (const l of leases) expect(l.epoch, `shard ${l.shard}`).toBe(epochs.get(l.shard));
    const all = [...a.answered.values(), ...b.answered.values()].flat();
    expect((await a.store.runtime.storedJobs(all)).size).toBe(all.length);
    expect(a.runtime.engine.stats().flush.fenced).toBe(0);
    expect(b.runtime.engine.stats().flush.fenced).toBe(0);
    expect(a.runtime.engine.stats().flush.dropped.buffer_full).toBe(0);
  });

  it('only A away: B takes over after expiry, A keeps probing; its checks are stored, its state and incidents fenced', async () => {
    const { a, b, nodes } = await pair();
    const mineA = monitorsOf(a);
    expect(mineA).toHaveLength(32);
    // A's runner sees them fail (A's verdict goes down and opens incidents); B's sees them up.
    for (const id of mineA) a.failing.add(id);
    const before = answeredCount(a, mineA);

    a.fault.down = true;
    await advance(nodes, 60_000);
    expect(owned(a)).toHaveLength(32);
    expect(answeredCount(a, mineA) - before).toBeGreaterThanOrEqual(32 * 5);
    // B took A's shards once they expired and probes them too.
    expect(owned(b)).toHaveLength(SHARD_COUNT);
    for (const id of mineA) expect(b.runtime.engine.status(id)?.state, id).toBe('up');
    const downAtA = mineA.filter((id) => a.runtime.engine.status(id)?.state === 'down');
    expect(downAtA.length).toBeGreaterThan(0);

    // The cut heals: A's runner sees what B's sees (A may take some shards back when B rebalances).
    a.fault.down = false;
    a.failing.clear();
    await advance(nodes, 20_000);
    await a.runtime.engine.flush();
    await b.runtime.engine.flush();
    // A's checks are facts: all stored.
    const fromA = [...a.answered.values()].flat();
    expect((await a.store.runtime.storedJobs(fromA)).size).toBe(fromA.length);
    // Its verdict state and incidents for B's monitors were not written: B's state stands.
    const states = new Map((await a.store.runtime.loadStates()).map((s) => [s.monitorId, s.verdict.state]));
    for (const id of mineA) expect(states.get(id), id).toBe('up');
    const open = await a.store.incidents.list({ status: 'all', limit: 1000 });
    expect(open.filter((i) => i.monitorId !== null && mineA.includes(i.monitorId))).toEqual([]);
    expect(a.runtime.engine.stats().flush.fenced).toBeGreaterThan(0);
    // A dropped them at once (not only at its next lease round).
    for (const id of downAtA) expect(a.runtime.engine.status(id)?.state, id).not.toBe('down');
  });
}
