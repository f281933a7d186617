// Hourly rollups per monitor lineage and region: what the collector keeps for 400 days instead of
// raw checks. Built from stored checks, verdict marks and missed jobs as they are flushed, merged
// by addition (so SQL can `col = col + excluded.col` without reading the row first).
//
// Counting rules (ARCHITECTURE.md "Status"):
// - checks: every stored check result (any purpose); failures: those with ok = false.
// - unconfirmed: failures the verdict later marked `unconfirmed` or `inconclusive` (a mark
//   arrives in a later flush than the check, so it is a separate increment on the check's hour).
// - missed: jobs that never ran; never a check, never a failure.
// - response time: a successful check counts its total time; a timed-out check (reasons
//   `timeout`, `connect_timeout`, `dns_timeout`) counts as the monitor's timeout (15 s default
//   counts 15000 ms); any other failure has no meaningful response time and is not counted.
//
// API:
//   HOUR_MS, hourOf(at)
//   interface RollupCheck, RollupMark, RollupMissed       inputs (engine rows, mapped)
//   interface HourlyRollup                                the counters of one (lineage, region, hour)
//   emptyRollup(), responseTimeOf(check), addCheck(r, check), mergeInto(into, from)
//   rollupBatch({ checks, marks, missed }) -> RollupDelta[]  one delta per key touched

import type { FailureReason } from '../../probe/types.ts';
import { BUCKET_COUNT, bucketOf, emptyBuckets } from './histogram.ts';

export const HOUR_MS = 3_600_000;

export function hourOf(at: number): number {
  return Math.floor(at / HOUR_MS) * HOUR_MS;
}

export const TIMEOUT_REASONS: readonly FailureReason[] = ['timeout', 'connect_timeout', 'dns_timeout'];

/** One stored check, as the rollups need it. */
export interface RollupCheck {
  /** Monitor lineage (monitor_histories.history_id). */
  historyId: number;
  region: string;
  /** When the check started (epoch ms). */
  at: number;
  ok: boolean;
  reason: FailureReason | null;
  /** Total time (ms) as measured; null when the check produced none. */
  totalMs: number | null;
  /** The monitor's timeout (ms) when the check ran. */
  timeoutMs: number;
}

/** A verdict mark applied to a stored check. Only unconfirmed/inconclusive are counted. */
export interface RollupMark {
  historyId: number;
  region: string;
  /** The marked check's start time: the mark counts in that check's hour. */
  at: number;
  mark: 'unconfirmed' | 'inconclusive' | 'impaired';
}

/** A job that never ran. `region` is null when a whole round was missed before any job existed. */
export interface RollupMissed {
  historyId: number;
  region: string | null;
  at: number;
}

export interface HourlyRollup {
  checks: number;
  failures: number;
  unconfirmed: number;
  missed: number;
  /** Checks with a response time (see responseTimeOf). */
  rtCount: number;
  rtSum: number;
  rtMin: number | null;
  rtMax: number | null;
  /** Counts per histogram bucket (histogram.ts), length BUCKET_COUNT. */
  buckets: number[];
}

export interface RollupDelta {
  historyId: number;
  /** '' for rounds missed before any region was chosen. */
  region: string;
  hour: number;
  rollup: HourlyRollup;
}

export function emptyRollup(): HourlyRollup {
  return {
    checks: 0,
    failures: 0,
    unconfirmed: 0,
    missed: 0,
    rtCount: 0,
    rtSum: 0,
    rtMin: null,
    rtMax: null,
    buckets: emptyBuckets(),
  };
}

/** The response time a check counts with, or null when it counts none. */
export function responseTimeOf(
  check: Pick<RollupCheck, 'ok' | 'reason' | 'totalMs' | 'timeoutMs'>,
): number | null {
  if (check.ok) return check.totalMs === null ? null : Math.max(0, check.totalMs);
  if (check.reason !== null && TIMEOUT_REASONS.includes(check.reason)) return check.timeoutMs;
  return null;
}

export function addResponseTime(rollup: HourlyRollup, ms: number): void {
  rollup.rtCount++;
  rollup.rtSum += ms;
  rollup.rtMin = rollup.rtMin === null ? ms : Math.min(rollup.rtMin, ms);
  rollup.rtMax = rollup.rtMax === null ? ms : Math.max(rollup.rtMax, ms);
  rollup.buckets[bucketOf(ms)]!++;
}

export function addCheck(rollup: HourlyRollup, check: RollupCheck): void {
  rollup.checks++;
  if (!check.ok) rollup.failures++;
  const ms = responseTimeOf(check);
  if (ms !== null) addResponseTime(rollup, ms);
}

export function mergeInto(into: HourlyRollup, from: HourlyRollup): HourlyRollup {
  into.checks += from.checks;
  into.failures += from.failures;
  into.unconfirmed += from.unconfirmed;
  into.missed += from.missed;
  into.rtCount += from.rtCount;
  into.rtSum += from.rtSum;
  if (from.rtMin !== null) into.rtMin = into.rtMin === null ? from.rtMin : Math.min(into.rtMin, from.rtMin);
  if (from.rtMax !== null) into.rtMax = into.rtMax === null ? from.rtMax : Math.max(into.rtMax, from.rtMax);
  for (let i = 0; i < BUCKET_COUNT; i++) into.buckets[i]! += from.buckets[i] ?? 0;
  return into;
}

export interface RollupBatch {
  checks?: readonly RollupCheck[];
  marks?: readonly RollupMark[];
  missed?: readonly RollupMissed[];
}

/** The increments one flush brings, one per (lineage, region, hour) touched. */
export function rollupBatch(batch: RollupBatch): RollupDelta[] {
  const deltas = new Map<string, RollupDelta>();
  const at = (historyId: number, region: string, time: number): HourlyRollup => {
    const hour = hourOf(time);
    const key = `${historyId}\u0000${region}\u0000${hour}`;
    let delta = deltas.get(key);
    if (delta === undefined) {
      delta = { historyId, region, hour, rollup: emptyRollup() };
      deltas.set(key, delta);
    }
    return delta.rollup;
  };
  for (const check of batch.checks ?? []) addCheck(at(check.historyId, check.region, check.at), check);
  for (const mark of batch.marks ?? []) {
    if (mark.mark === 'impaired') continue;
    at(mark.historyId, mark.region, mark.at).unconfirmed++;
  }
  for (const missed of batch.missed ?? []) at(missed.historyId, missed.region ?? '', missed.at).missed++;
  return [...deltas.values()];
}

/** Mean, p50/p95/p99, min and max of merged rollups (ms); nulls when nothing was counted. */
export interface ResponseStats {
  count: number;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  min: number | null;
  max: number | null;
}
