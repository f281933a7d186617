// Fixed-bucket response-time histogram. Every hourly rollup keeps the same buckets, so rollups of
// any hours, regions or monitors merge by adding counts, and p50/p95/p99 come from the merged
// counts. The bounds are roughly logarithmic from 10 ms to 60 s (the longest timeout): a
// percentile is exact to within its bucket, then interpolated and clamped to the observed min/max.
//
// API:
//   BUCKET_BOUNDS            upper bounds (ms, inclusive); one overflow bucket follows
//   BUCKET_COUNT             BUCKET_BOUNDS.length + 1
//   bucketOf(ms) -> index
//   emptyBuckets() -> number[] of zeros
//   percentile(buckets, q, min, max) -> ms | null (null when empty)

export const BUCKET_BOUNDS: readonly number[] = [
  10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000, 7500, 10_000, 15_000,
  20_000, 30_000, 45_000, 60_000,
];
export const BUCKET_COUNT = BUCKET_BOUNDS.length + 1;

export function bucketOf(ms: number): number {
  // Binary search for the first bound >= ms; 25 bounds, so this is 5 comparisons.
  let lo = 0;
  let hi = BUCKET_BOUNDS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (BUCKET_BOUNDS[mid]! >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function emptyBuckets(): number[] {
  return new Array<number>(BUCKET_COUNT).fill(0);
}

/**
 * The q-quantile (0 < q <= 1) of the values counted in `buckets`: the bucket holding rank q·n,
 * linearly interpolated inside it, clamped to [min, max] (so one value gives itself back).
 */
export function percentile(
  buckets: readonly number[],
  q: number,
  min: number | null,
  max: number | null,
): number | null {
  let n = 0;
  for (const count of buckets) n += count;
  if (n === 0 || min === null || max === null) return null;
  const rank = Math.min(Math.max(q, 0), 1) * n;
  let before = 0;
  for (let i = 0; i < buckets.length; i++) {
    const count = buckets[i]!;
    if (count === 0) continue;
    if (before + count >= rank) {
      const lower = Math.max(i === 0 ? 0 : BUCKET_BOUNDS[i - 1]!, min);
      const upper = Math.min(i < BUCKET_BOUNDS.length ? BUCKET_BOUNDS[i]! : max, max);
      const fraction = (rank - before) / count;
      const value = lower + (Math.max(upper, lower) - lower) * fraction;
      return Math.min(Math.max(value, min), max);
    }
    before += count;
  }
  return max;
}
