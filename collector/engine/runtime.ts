// Everything that runs inside the collector besides the routes: the runner registry, the engine
// (scheduler + verdict + job queue + write-behind storage), the runner service both transports
// use, and the in-process transport for the embedded runner. app.ts creates one per app.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../common/log.ts';
import { realTimers, type Timers } from '../../common/timers.ts';
import type { RunnerTransport } from '../../runner/protocol.ts';
import { Membership, type MembershipOptions } from '../cluster/membership.ts';
import type { CollectorConfig } from '../config/config.ts';
import type { Rng } from '../domain/regions.ts';
import { createInProcessTransport } from '../fleet/in-process-transport.ts';
import { RegionKeys } from '../fleet/keys.ts';
import { RunnerRegistry } from '../fleet/registry.ts';
import { RunnerService } from '../fleet/service.ts';
import { shardOf } from '../store/cluster-types.ts';
import type { Store } from '../store/types.ts';
import { Engine, type EngineOptions } from './engine.ts';

/** What tests (and benchmarks) may set: a fake clock and timers, seeded randomness, tuning. */
export interface RuntimeOptions
  extends Partial<
    Pick<
      EngineOptions,
      | 'tickMs'
      | 'flushMs'
      | 'flushRows'
      | 'bufferRows'
      | 'spillOf'
      | 'spillTmp'
      | 'evaluateMs'
      | 'replayMs'
      | 'impairment'
      | 'leaseSlack'
      | 'loopDelay'
    >
  > {
  clock?: () => number;
  timers?: Timers;
  rng?: Rng;
  offlineAfter?: number;
  forgetAfter?: number;
  /** Lease timing and the member id (tests); see collector/cluster/. */
  cluster?: Partial<Pick<MembershipOptions, 'renewEveryMs' | 'ttlMs'>> & { memberId?: string };
}

export interface Runtime {
  engine: Engine;
  registry: RunnerRegistry;
  service: RunnerService;
  keys: RegionKeys;
  /** For the embedded runner (runner/embedded.ts). */
  transport: RunnerTransport;
  /** This collector as a cluster member: the shards it schedules (collector/cluster/). */
  cluster: Membership;
  start(): Promise<void>;
  /** Stop handing out jobs (pending long polls answer with `drain`). */
  beginClose(): void;
  /** Stop the loop and write everything buffered. */
  stop(): Promise<void>;
}

export function createRuntime(
  config: CollectorConfig,
  store: Store,
  log: Logger,
  options: RuntimeOptions = {},
): Runtime {
  const clock = options.clock ?? Date.now;
  const keys = new RegionKeys(config.regionKeys);
  const registry = new RunnerRegistry({
    clock,
    keys,
    sessionTtl: config.runnerSessionTtlMs,
    ...(options.offlineAfter === undefined ? {} : { offlineAfter: options.offlineAfter }),
    ...(options.forgetAfter === undefined ? {} : { forgetAfter: options.forgetAfter }),
  });
  const {
    clock: _c,
    timers: _t,
    rng: _r,
    offlineAfter: _o,
    forgetAfter: _f,
    cluster: _cl,
    ...tuning
  } = options;
  const timers = options.timers ?? realTimers;
  const { memberId, ...leaseTiming } = options.cluster ?? {};
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  // Shard changes and the catch-up with syncs made at other collectors go through the engine's
  // one reconcile queue.
  const cluster: Membership = new Membership({
    store: store.cluster,
    self: {
      id: memberId ?? randomUUID(),
      url: config.advertiseUrl ?? `http://${host}:${config.port}`,
      startedAt: clock(),
    },
    clock,
    timers,
    log,
    ...leaseTiming,
    onChange: () => engine.shardsChanged(),
    onRound: () => {
      if (store.cluster.shared) engine.reconcile().catch(() => undefined);
    },
  });
  const engine = new Engine({
    store,
    registry,
    clock,
    timers,
    rng: options.rng ?? Math.random,
    log,
    loopDelay: options.timers === undefined,
    spillOf: config.db === ':memory:' ? null : config.db,
    owns: (historyId) => cluster.owns(historyId),
    // Flushes write state and incidents only for leases still held; what another collector took
    // meanwhile leaves this one's schedule at once (collector/cluster/membership.ts).
    fence: () => cluster.fence(),
    onFenced: (historyIds) => {
      void cluster.lost(historyIds.map(shardOf));
    },
    ...tuning,
  });
  const service = new RunnerService({ registry, engine, keys, log });
  return {
    engine,
    registry,
    service,
    keys,
    transport: createInProcessTransport(service),
    cluster,
    // The first lease round runs before the engine loads: it starts with the shards it holds.
    start: async () => {
      await cluster.start();
      await engine.start();
    },
    beginClose: () => engine.beginClose(),
    // The engine's last flush before the leases are given up.
    stop: async () => {
      await engine.stop();
      await cluster.stop();
    },
  };
}
