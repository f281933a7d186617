// Everything that runs inside the collector besides the routes: the runner registry, the engine
// (scheduler + verdict + job queue + write-behind storage), the runner service both transports
// use, and the in-process transport for the embedded runner. app.ts creates one per app.
import type { Logger } from '../../common/log.ts';
import { realTimers, type Timers } from '../../common/timers.ts';
import type { RunnerTransport } from '../../runner/protocol.ts';
import type { CollectorConfig } from '../config/config.ts';
import type { Rng } from '../domain/regions.ts';
import { createInProcessTransport } from '../fleet/in-process-transport.ts';
import { RegionKeys } from '../fleet/keys.ts';
import { RunnerRegistry } from '../fleet/registry.ts';
import { RunnerService } from '../fleet/service.ts';
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
}

export interface Runtime {
  engine: Engine;
  registry: RunnerRegistry;
  service: RunnerService;
  keys: RegionKeys;
  /** For the embedded runner (runner/embedded.ts). */
  transport: RunnerTransport;
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
  const { clock: _c, timers: _t, rng: _r, offlineAfter: _o, forgetAfter: _f, ...tuning } = options;
  const engine = new Engine({
    store,
    registry,
    clock,
    timers: options.timers ?? realTimers,
    rng: options.rng ?? Math.random,
    log,
    loopDelay: options.timers === undefined,
    spillOf: config.db === ':memory:' ? null : config.db,
    ...tuning,
  });
  const service = new RunnerService({ registry, engine, keys, log });
  return {
    engine,
    registry,
    service,
    keys,
    transport: createInProcessTransport(service),
    start: () => engine.start(),
    beginClose: () => engine.beginClose(),
    stop: () => engine.stop(),
  };
}
