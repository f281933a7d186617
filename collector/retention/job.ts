// The retention job: every `intervalMs`, prune each table in batches of `batch` rows, one short
// transaction per batch, yielding to the event loop between batches (setImmediate), so requests and
// engine flushes interleave with a large prune instead of waiting for it.
//
// API:
//   new RetentionJob({ retention, policy, now, intervalMs, batch?, log? })
//   runOnce() -> { deleted per target }     (also what tests call)
//   start(), stop()                          timer lifecycle (stop waits for a running pass)
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from '../../common/log.ts';
import { RETENTION_TARGETS, type RetentionTarget } from '../store/retention-types.ts';
import { type Cutoffs, cutoffs, type RetentionPolicy } from './policy.ts';

export interface RetentionStep {
  step(target: RetentionTarget, limits: Cutoffs, batch: number): Promise<number>;
}

export interface RetentionJobOptions {
  retention: RetentionStep;
  policy: RetentionPolicy;
  now: () => number;
  intervalMs: number;
  /** Run at the start of every pass (the span materialization rides on this job's cadence). */
  beforePass?: () => Promise<void>;
  /** Rows per transaction (default 500). */
  batch?: number;
  log?: Pick<Logger, 'info' | 'error'>;
}

export type RetentionReport = Record<RetentionTarget, number>;

export class RetentionJob {
  readonly #options: RetentionJobOptions;
  readonly #batch: number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<RetentionReport> | null = null;
  #stopped = false;

  constructor(options: RetentionJobOptions) {
    this.#options = options;
    this.#batch = options.batch ?? 500;
  }

  runOnce(): Promise<RetentionReport> {
    this.#stopped = false;
    this.#running ??= this.#pass().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  start(): void {
    if (this.#options.intervalMs <= 0 || this.#timer !== null) return;
    this.#stopped = false;
    const tick = () => {
      this.runOnce()
        .then((report) => {
          const total = Object.values(report).reduce((a, b) => a + b, 0);
          if (total > 0) this.#options.log?.info({ deleted: report }, 'retention pruned');
        })
        .catch((error: unknown) => this.#options.log?.error({ err: error }, 'retention failed'))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, this.#options.intervalMs).unref();
        });
    };
    this.#timer = setTimeout(tick, Math.min(this.#options.intervalMs, 60_000)).unref();
  }

  /** Stops the timer and ends a running pass after its current batch. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  async #pass(): Promise<RetentionReport> {
    await this.#options.beforePass?.();
    const limits = cutoffs(this.#options.policy, this.#options.now());
    const report = Object.fromEntries(RETENTION_TARGETS.map((t) => [t, 0])) as RetentionReport;
    for (const target of RETENTION_TARGETS) {
      for (;;) {
        if (this.#stopped) return report;
        const deleted = await this.#options.retention.step(target, limits, this.#batch);
        report[target] += deleted;
        await yieldToLoop();
        if (deleted < this.#batch) break;
      }
    }
    return report;
  }
}
