// Results a collector accepted a moment ago, kept for a few seconds by the collector that took
// them. A collector answers `accepted` before its next flush writes them (within 200 ms); one that
// dies in between loses them. So when the runner moves to another collector (failover-transport.ts),
// what the one it left accepted within `windowMs` is sent again to the next: what was written
// answers as a duplicate (results are idempotent by job id across the cluster), the rest is stored.
// Bounded by count as well as by age: a result carries at most a 64 KiB log.
import type { JobResult } from './protocol.ts';

export const RESEND_WINDOW = 5_000;
export const RESEND_MAX = 1_000;

interface Entry {
  collector: string;
  at: number;
  result: JobResult;
}

export class DeliveredLog {
  readonly #windowMs: number;
  readonly #max: number;
  #entries: Entry[] = [];

  constructor(windowMs = RESEND_WINDOW, max = RESEND_MAX) {
    this.#windowMs = windowMs;
    this.#max = max;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** `results` were accepted by `collector` at `now`. */
  accepted(collector: string, results: readonly JobResult[], now: number): void {
    for (const result of results) this.#entries.push({ collector, at: now, result });
    this.#prune(now);
  }

  /** What `collector` accepted within the window, taken out of the log (to be sent again). */
  takeFrom(collector: string, now: number): JobResult[] {
    this.#prune(now);
    const out: JobResult[] = [];
    this.#entries = this.#entries.filter((e) => {
      if (e.collector !== collector) return true;
      out.push(e.result);
      return false;
    });
    return out;
  }

  #prune(now: number): void {
    let drop = 0;
    while (
      drop < this.#entries.length &&
      (this.#entries.length - drop > this.#max || now - this.#entries[drop]!.at > this.#windowMs)
    ) {
      drop += 1;
    }
    if (drop > 0) this.#entries = this.#entries.slice(drop);
  }
}
