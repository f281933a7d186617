// Incident delivery in the collector: the recorder (events -> alerts -> outbox rows, inside the
// engine's flush), a one-second tick (timing, certificate watch) and the outbox worker (rows ->
// sinks). app.ts creates one per app: `start()` before the engine starts (so its first flush is
// recorded), `stop()` after the engine stopped (its final flush is recorded too).

import type { Logger } from '../../common/log.ts';
import { realTimers, type TimerHandle, type Timers } from '../../common/timers.ts';
import type { CollectorConfig } from '../config/config.ts';
import { StoreConflictError } from '../store/errors.ts';
import type { IncidentEventSink } from '../store/runtime-types.ts';
import type { Store } from '../store/types.ts';
import { OutboxWorker } from './outbox.ts';
import { AlertRecorder } from './recorder.ts';
import { createSinks } from './registry.ts';
import type { IncidentSink, SinkName } from './sink.ts';

export interface IncidentServiceOptions {
  config: CollectorConfig;
  store: Store;
  clock?: () => number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Sinks to use instead of the configured ones. */
  sinks?: ReadonlyMap<SinkName, IncidentSink>;
  /** Period of the timing tick (ms); 0 = no timer (tests call `tick()`). */
  tickMs?: number;
  /** Longest sleep of the outbox worker between looks (ms). */
  pollMs?: number;
  /** Lanes delivered at once. */
  concurrency?: number;
  /** The app's timers (a fake clock's in tests). */
  timers?: Timers;
  /** Who claims outbox rows (the cluster member id); default a random id per worker. */
  owner?: string;
  /** How long an outbox claim lasts unless renewed (ms). */
  claimMs?: number;
}

export class IncidentService {
  readonly recorder: AlertRecorder;
  readonly worker: OutboxWorker;
  readonly sinks: ReadonlyMap<SinkName, IncidentSink>;
  readonly #o: IncidentServiceOptions;
  #timer: TimerHandle | null = null;
  readonly #timers: Timers;
  #ticking: Promise<void> = Promise.resolve();
  #running = false;
  /** Ticks started by the timer and not finished. */
  #queued = 0;
  readonly #clock: () => number;

  constructor(options: IncidentServiceOptions) {
    this.#o = options;
    this.#timers = options.timers ?? realTimers;
    const clock = options.clock ?? Date.now;
    this.#clock = clock;
    const { config, store, log } = options;
    this.sinks = options.sinks ?? createSinks(config, { now: clock, log });
    this.worker = new OutboxWorker({
      alerts: store.alerts,
      sinks: this.sinks,
      clock,
      log,
      secretsOf: (id) => store.monitors.secrets(id),
      publicUrl: config.publicUrl,
      retryBaseMs: config.incidentRetryBaseMs,
      retryMaxMs: config.incidentRetryMaxMs,
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.owner === undefined ? {} : { owner: options.owner }),
      ...(options.claimMs === undefined ? {} : { claimMs: options.claimMs }),
      timers: this.#timers,
    });
    this.recorder = new AlertRecorder({
      alerts: store.alerts,
      monitors: store.monitors,
      sinks: [...this.sinks.keys()],
      clock,
      log,
      onQueued: () => this.worker.kick(),
    });
  }

  /** Records incident events inside the engine's flush transaction (`tx`, opaque to us). */
  readonly hook: IncidentEventSink = (events, tx) =>
    this.recorder.record(events, tx).catch((error: unknown) => {
      // Lost to another collector's transaction (a deadlock on an alert's row): the whole flush
      // is run again by the store, our part with it, instead of committing without it.
      if (error instanceof StoreConflictError) throw error;
      // Never block the engine's writes: the savepoint undid our part, the flush goes on.
      this.#o.log.error({ err: error }, 'incidents: recording incident events failed');
    });

  async start(): Promise<void> {
    this.#o.store.runtime.setIncidentSink(this.hook);
    await this.recorder.start();
    this.#running = true;
    this.worker.start();
    const tickMs = this.#o.tickMs ?? 1000;
    if (tickMs > 0) this.#arm(tickMs);
  }

  /** Timing and certificate changes as of `now` (default: the clock), then wakes the worker. */
  tick(now?: number): Promise<void> {
    const run = this.#ticking.then(async () => {
      await this.recorder.tick(now);
      this.worker.kick();
    });
    this.#ticking = run.catch((error: unknown) =>
      this.#o.log.error({ err: error }, 'incidents: tick failed'),
    );
    return run;
  }

  /** Resolves once the ticks already started are done and the outbox has nothing due (tests). */
  async settled(): Promise<void> {
    await this.#ticking;
    await this.worker.idle();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#ticking;
    // The worker stops taking rows, then the sinks close: waits inside requests (rate limits) end
    // now, and what was cut off stays pending, due at once after the restart.
    const stopping = this.worker.stop();
    await Promise.all([...this.sinks.values()].map((sink) => sink.close?.()));
    await stopping;
    this.#o.store.runtime.setIncidentSink(null);
  }

  /**
   * Fixed-rate ticks, each as of the time it fired (a slow one does not shift the next). A tick
   * that fires while ten are still queued (a stalled store) is dropped: the next one covers it.
   */
  #arm(tickMs: number): void {
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      if (!this.#running) return;
      this.#arm(tickMs);
      if (this.#queued >= 10) return;
      this.#queued += 1;
      // tick() has logged a failure already; left unhandled, the rejection would end the process.
      void this.tick(this.#clock())
        .catch(() => undefined)
        .finally(() => {
          this.#queued -= 1;
        });
    }, tickMs);
  }
}
