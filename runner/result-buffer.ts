// Results waiting to be posted, bounded. While the collector is unreachable results pile up
// here; past `max` the oldest waiting ones are dropped (and counted) so a long outage cannot
// exhaust the runner's memory: a dropped result is a missed check, never a vote for down, and the
// newest results are the ones the verdict still cares about.
//
// The batch being sent is held apart from the queue: it is never dropped (it may already be stored)
// and is retried as is until the collector answers, which is safe because results are idempotent
// by job id.
import type { JobResult } from './protocol.ts';

export class ResultBuffer {
  readonly max: number;
  #queue: (JobResult | undefined)[] = [];
  #head = 0;
  #sending: JobResult[] = [];
  /** Job ids queued or being sent: a job's result is held once. */
  #ids = new Set<string>();
  #dropped = 0;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`buffer bound must be a positive integer, got ${max}`);
    this.max = max;
  }

  /** Results held (queued and being sent). */
  get size(): number {
    return this.queued + this.#sending.length;
  }

  /** Results waiting, not counting the batch being sent. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  get sending(): readonly JobResult[] {
    return this.#sending;
  }

  /** Results dropped so far to respect the bound. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Queues a result. Returns how many results were dropped to make room (0 or 1; the new one itself
   * when only the batch being sent is held and it fills the bound), or -1 when the job's result is
   * already held (a duplicate is ignored).
   */
  push(result: JobResult): number {
    if (this.#ids.has(result.jobId)) return -1;
    let dropped = 0;
    while (this.size >= this.max && this.queued > 0) {
      const oldest = this.#queue[this.#head]!;
      this.#queue[this.#head] = undefined;
      this.#head += 1;
      this.#ids.delete(oldest.jobId);
      dropped += 1;
    }
    this.#compact();
    this.#dropped += dropped;
    if (this.size >= this.max) {
      // Everything held is the batch being sent (bound ≤ batch size): the new result cannot fit.
      this.#dropped += 1;
      return dropped + 1;
    }
    this.#queue.push(result);
    this.#ids.add(result.jobId);
    return dropped;
  }

  /**
   * The batch to send: the one already being sent (a retry), or up to `limit` of the oldest
   * queued results, which become the batch being sent. Empty when nothing is held.
   */
  nextBatch(limit: number): readonly JobResult[] {
    if (this.#sending.length > 0) return this.#sending;
    const count = Math.min(limit, this.queued);
    this.#sending = [];
    for (let i = 0; i < count; i++) {
      this.#sending.push(this.#queue[this.#head]!);
      this.#queue[this.#head] = undefined;
      this.#head += 1;
    }
    this.#compact();
    return this.#sending;
  }

  /** The batch being sent got an answer: it is no longer held. */
  settleBatch(): JobResult[] {
    const batch = this.#sending;
    for (const item of batch) this.#ids.delete(item.jobId);
    this.#sending = [];
    return batch;
  }

  /**
   * Splits the batch being sent (the collector found it too large): its second half goes back to
   * the front of the queue. Returns the new batch size.
   */
  shrinkBatch(): number {
    if (this.#sending.length <= 1) return this.#sending.length;
    const keep = Math.ceil(this.#sending.length / 2);
    const back = this.#sending.splice(keep);
    this.#queue = [...back, ...this.#queue.slice(this.#head)];
    this.#head = 0;
    return keep;
  }

  #compact(): void {
    // Reclaim the consumed prefix once it dominates, so shifting stays O(1) amortized.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
