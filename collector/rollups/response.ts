// Response-time figures from merged rollups: mean (sum / count, so timeouts weigh in at their
// timeout) and percentiles from the merged histogram.
//
// API:
//   responseStats(rollups) -> ResponseStats

import { percentile } from './histogram.ts';
import { emptyRollup, type HourlyRollup, mergeInto, type ResponseStats } from './hourly.ts';

export function responseStats(rollups: Iterable<HourlyRollup>): ResponseStats {
  const merged = emptyRollup();
  for (const rollup of rollups) mergeInto(merged, rollup);
  return statsOf(merged);
}

export function statsOf(merged: HourlyRollup): ResponseStats {
  if (merged.rtCount === 0) {
    return { count: 0, mean: null, p50: null, p95: null, p99: null, min: null, max: null };
  }
  return {
    count: merged.rtCount,
    mean: merged.rtSum / merged.rtCount,
    p50: percentile(merged.buckets, 0.5, merged.rtMin, merged.rtMax),
    p95: percentile(merged.buckets, 0.95, merged.rtMin, merged.rtMax),
    p99: percentile(merged.buckets, 0.99, merged.rtMin, merged.rtMax),
    min: merged.rtMin,
    max: merged.rtMax,
  };
}
