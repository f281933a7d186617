// Figures the engine keeps for GET /v1/engine/stats and the scheduling benchmark.

/** Millisecond histogram, 1 ms resolution up to `max` ms (later values land in the last bucket). */
export class Histogram {
  readonly #counts: Uint32Array;
  count = 0;
  sum = 0;
  max = 0;

  constructor(maxMs = 120_000) {
    this.#counts = new Uint32Array(maxMs + 1);
  }

  record(ms: number): void {
    const v = Math.max(0, Math.round(ms));
    this.#counts[Math.min(v, this.#counts.length - 1)]! += 1;
    this.count += 1;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  /** The smallest value with at least `p` (0..1) of the records at or below it. */
  percentile(p: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return i;
    }
    return this.#counts.length - 1;
  }

  /** Non-empty buckets as [ms, count] pairs (cumulative since start: diff two to get a window). */
  buckets(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.#counts.length; i++) if (this.#counts[i]! > 0) out.push([i, this.#counts[i]!]);
    return out;
  }

  snapshot(): HistogramSnapshot {
    return {
      count: this.count,
      sum: this.sum,
      max: this.max,
      p50: this.percentile(0.5),
      p99: this.percentile(0.99),
      buckets: this.buckets(),
    };
  }
}

export interface HistogramSnapshot {
  count: number;
  sum: number;
  max: number;
  p50: number | null;
  p99: number | null;
  buckets: Array<[number, number]>;
}

/**
 * Ids seen in the last `ttl` ms (answered jobs: a retried result batch is a duplicate without a
 * database lookup). One Map in insertion order, which is time order: pruning drops its head.
 */
export class RecentIds {
  readonly #ttl: number;
  readonly #at = new Map<string, number>();

  constructor(ttl: number) {
    this.#ttl = ttl;
  }

  add(id: string, now: number): void {
    this.#at.delete(id);
    this.#at.set(id, now);
  }

  has(id: string): boolean {
    return this.#at.has(id);
  }

  prune(now: number): void {
    for (const [id, at] of this.#at) {
      if (at > now - this.#ttl) break;
      this.#at.delete(id);
    }
  }

  get size(): number {
    return this.#at.size;
  }
}
