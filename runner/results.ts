// Results on their way to the collector: buffered (bounded; the oldest dropped and counted when
// the collector stays unreachable), posted in batches of `batchSize` or after `flushIntervalMs`,
// retried with backoff, split when the collector answers 413, and sent again as they are when an
// answer is lost (results are idempotent by job id).
import type { CheckResult } from '../probe/types.ts';
import type { RunnerContext } from './context.ts';
import { sleep } from './context.ts';
import { DeliveredLog } from './delivered.ts';
import { classifyFailure, codeOf } from './errors.ts';
import type { Sessions } from './session.ts';
import type { RunnerSession } from './types.ts';

export class ResultPoster {
  readonly #ctx: RunnerContext;
  readonly #sessions: Sessions;
  readonly #flushIntervalMs: number;
  #batchLimit: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #flushing: Promise<void> | null = null;
  #lastDropLog = 0;
  /** Only with a transport over several collectors (delivered.ts). */
  readonly #delivered: DeliveredLog | null = null;

  constructor(ctx: RunnerContext, sessions: Sessions) {
    this.#ctx = ctx;
    this.#sessions = sessions;
    this.#flushIntervalMs = ctx.options.flushIntervalMs ?? 200;
    this.#batchLimit = Math.max(1, Math.min(ctx.options.batchSize ?? 100, ctx.maxBuffered));
    if (ctx.transport.onSwitch !== undefined) {
      const delivered = new DeliveredLog();
      this.#delivered = delivered;
      ctx.transport.onSwitch((from) => this.#resendFrom(from));
    }
  }

  /** The runner moved away from `from`: what it accepted a moment ago goes to the next one too. */
  #resendFrom(from: string): void {
    const again = this.#delivered?.takeFrom(from, Date.now()) ?? [];
    if (again.length === 0) return;
    let queued = 0;
    for (const item of again) if (this.#ctx.buffer.push(item) === 0) queued += 1;
    this.#ctx.log.info(
      { collector: from, results: queued },
      'sending again what the collector left had just accepted (it may not have written them)',
    );
    this.#schedule();
  }

  queue(jobId: string, result: CheckResult, ticket?: string): void {
    const { buffer, log } = this.#ctx;
    const dropped = buffer.push(ticket === undefined ? { jobId, result } : { jobId, result, ticket });
    if (dropped > 0) {
      const now = Date.now();
      if (this.#lastDropLog === 0 || now - this.#lastDropLog >= 10_000) {
        this.#lastDropLog = now;
        log.warn(
          { dropped: buffer.dropped, bound: this.#ctx.maxBuffered },
          'result buffer full while the collector is unreachable; dropping the oldest results',
        );
      }
    }
    this.#schedule();
  }

  /** Posts what is buffered. `all`: until empty (drain); else a partial batch waits for the timer. */
  flush(all = false): Promise<void> {
    if (this.#flushing !== null) return this.#flushing;
    this.stopTimer();
    this.#flushing = this.#flushLoop(all).finally(() => {
      this.#flushing = null;
      // Results that arrived while the last answer was on its way.
      if (this.#ctx.buffer.size > 0 && !this.#ctx.giveUp.signal.aborted) this.#schedule();
    });
    return this.#flushing;
  }

  stopTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#flushing !== null) return; // the running flush takes new results as it goes
    if (this.#ctx.buffer.size >= this.#batchLimit) {
      void this.flush();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, this.#flushIntervalMs);
  }

  async #flushLoop(all: boolean): Promise<void> {
    const ctx = this.#ctx;
    const { buffer, counters, log } = ctx;
    let failures = 0;
    let posted = 0;
    while (buffer.size > 0 && !ctx.giveUp.signal.aborted) {
      // Under a steady stream, results that came in during the last post wait for the flush timer
      // (or a full batch) instead of going out one post each.
      if (!all && posted > 0 && buffer.sending.length === 0 && buffer.size < this.#batchLimit) return;
      let current: RunnerSession;
      try {
        current = await this.#sessions.get();
      } catch {
        return; // fatal or given up: what is left is counted as lost when the runner stops
      }
      const batch = buffer.nextBatch(this.#batchLimit);
      const collector = ctx.transport.current;
      try {
        const answer = await ctx.transport.results(current.token, { results: [...batch] });
        const settled = buffer.settleBatch();
        if (this.#delivered !== null && collector !== undefined && (answer.accepted?.length ?? 0) > 0) {
          const accepted = new Set(answer.accepted);
          this.#delivered.accepted(
            collector,
            settled.filter((r) => accepted.has(r.jobId)),
            Date.now(),
          );
        }
        failures = 0;
        posted += 1;
        counters.accepted += answer.accepted?.length ?? 0;
        counters.duplicates += answer.duplicates?.length ?? 0;
        const rejected = answer.rejected?.length ?? 0;
        counters.rejected += rejected;
        if (rejected > 0) {
          log.info(
            { rejected: answer.rejected },
            'the collector refused results of expired or unknown leases',
          );
        }
      } catch (error) {
        counters.callFailures += 1;
        const action = classifyFailure(error, 'session');
        if (action === 'reregister') {
          this.#sessions.forget(current);
          continue;
        }
        if (action === 'reject') {
          if ((error as { statusCode?: unknown }).statusCode === 413 && batch.length > 1) {
            // Later batches stay at the smaller size: the collector's limit does not change.
            this.#batchLimit = buffer.shrinkBatch();
            log.warn({ batch: this.#batchLimit }, 'results batch too large for the collector; splitting it');
            continue;
          }
          const refused = buffer.settleBatch();
          counters.rejected += refused.length;
          log.error(
            { err: error, code: codeOf(error), results: refused.length },
            'the collector refused a results batch; dropping it',
          );
          continue;
        }
        const delay = ctx.retryDelay(error, failures++);
        log.warn(
          { err: error, code: codeOf(error), buffered: buffer.size, retryInMs: delay },
          'posting results failed; retrying',
        );
        await sleep(delay, ctx.giveUp.signal);
      }
    }
  }
}
