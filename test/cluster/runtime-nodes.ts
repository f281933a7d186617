// Collectors' runtimes (engine and membership) on one PostgreSQL schema for the cluster tests,
// each with its own store (pool) and its own fake clock, the clocks moved together. A node whose
// `alive` is false stops: its clock stays behind and none of its timers runs again, as after
// kill -9.
import { DEFAULT_CONFIG } from '../../collector/config/config.ts';
import { createRuntime, type Runtime } from '../../collector/engine/runtime.ts';
import { openStore } from '../../collector/store/open.ts';
import type { Store } from '../../collector/store/types.ts';
import { silentLogger } from '../../common/log.ts';
import { FakeClock } from '../engine/fake-clock.ts';
import { schemaUrl } from '../store/postgres-support.ts';

export const START = Date.UTC(2026, 0, 5, 12);

/** A few real turns: store round trips started by timers finish. */
export const io = () => new Promise((resolve) => setTimeout(resolve, 30));

export interface Node {
  clock: FakeClock;
  store: Store;
  runtime: Runtime;
  alive: boolean;
}

/** A runtime on `schema` as member `memberId`; `cleanup` receives how to close its store. */
export async function node(
  schema: string,
  memberId: string,
  cleanup: Array<() => Promise<unknown>>,
): Promise<Node> {
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
export async function advance(nodes: Node[], ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1000) {
    for (const n of nodes) if (n.alive) await n.clock.advance(1000);
    await io();
  }
}
