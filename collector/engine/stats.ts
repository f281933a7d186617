// Figures the engine keeps for GET /v1/engine/stats and the scheduling benchmark.
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

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

/** process.memoryUsage() and V8 heap figures in MB. */
export interface EngineMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** V8: heap pages resident, and bytes malloc'ed by V8 itself. */
  heapPhysical: number;
  malloced: number;
  external: number;
  arrayBuffers: number;
  /** Resident MB per V8 heap space (new_space, old_space, code_space, large_object_space...). */
  spaces: Record<string, number>;
}

export function memoryMb(): EngineMemory {
  const m = process.memoryUsage();
  const v8 = getHeapStatistics();
  const mb = (n: number) => Math.round(n / 1e5) / 10;
  return {
    rss: mb(m.rss),
    heapUsed: mb(m.heapUsed),
    heapTotal: mb(m.heapTotal),
    heapPhysical: mb(v8.total_physical_size),
    malloced: mb(v8.malloced_memory),
    spaces: Object.fromEntries(
      getHeapSpaceStatistics().map((sp) => [sp.space_name, mb(sp.physical_space_size)]),
    ),
    external: mb(m.external),
    arrayBuffers: mb(m.arrayBuffers),
  };
}
