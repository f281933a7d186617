// The engine's types: its options and logger, a live monitor as the engine holds it, and what it
// reports (MonitorStatus for the API, EngineStats for /v1/engine and benchmarks).
import type { Logger } from '../../common/log.ts';
import type { Timers } from '../../common/timers.ts';
import type { JobSpec } from '../../runner/protocol.ts';
import type { MonitorSpec, Secrets } from '../../schema/types.ts';
import type { RegionView, Rng } from '../domain/regions.ts';
import type { MissedReason } from '../domain/rounds.ts';
import type { RunnerRegistry } from '../fleet/registry.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { FlushFence, RegionResult } from '../store/runtime-types.ts';
import type { MonitorRecord, Store } from '../store/types.ts';
import type { ImpairmentOptions } from '../verdict/impairment.ts';
import type { Incident, MonitorState, StateName } from '../verdict/types.ts';
import type { EngineMemory, HistogramSnapshot } from './stats.ts';
import type { FlushStats } from './write-buffer.ts';

export interface EngineOptions {
  store: Store;
  registry: RunnerRegistry;
  clock: () => number;
  timers: Timers;
  rng: Rng;
  log: Logger;
  /** Longest gap between ticks (ms). */
  tickMs?: number;
  flushMs?: number;
  flushRows?: number;
  /** Check rows the write buffer holds at most while storage fails (write-buffer.ts). */
  bufferRows?: number;
  /**
   * The database file whose spill (spill.ts) the engine replays at start and writes at stop when
   * the store refuses the last rows; null: no spill (tests that need none).
   */
  spillOf?: string | null;
  /** OS temp dir for the spill's fallback (tests). */
  spillTmp?: string;
  /** Impairment evaluation period (ms). */
  evaluateMs?: number;
  /** Checks replayed into the impairment detector at start (ms back). */
  replayMs?: number;
  impairment?: Partial<ImpairmentOptions>;
  leaseSlack?: number;
  /** Measure event-loop delay (real processes; off under fake clocks). */
  loopDelay?: boolean;
  /**
   * Whether this collector schedules the lineage (its shard is leased here, collector/cluster/);
   * by default every monitor is its own.
   */
  owns?: (historyId: number) => boolean;
  /** The lease fence every flush carries, and who hears the lineages it left out (write-buffer.ts). */
  fence?: () => FlushFence | null;
  onFenced?: (historyIds: number[]) => void;
}

export interface Live {
  historyId: number;
  id: string;
  record: MonitorRecord;
  spec: MonitorSpec;
  jobSpec: JobSpec;
  secrets: Secrets;
  state: MonitorState;
  lastRoundAt: number | null;
  lastResults: Map<string, RegionResult>;
}

export interface MonitorStatus {
  state: StateName;
  since: number;
  note: string | null;
  lastCheckAt: number | null;
  score: number | null;
  incident: Incident | null;
  /** Latest result per region, by region name. */
  lastResults: RegionResult[];
}

export interface EngineStats {
  now: number;
  monitors: number;
  states: Record<string, number>;
  scheduler: ReturnType<Scheduler['stats']>;
  queue: ReturnType<JobQueue['stats']>;
  results: { accepted: number; duplicates: number; rejected: number };
  missed: Record<MissedReason, number>;
  requeued: number;
  /** Claim time minus due time (ms): scheduled and down rounds / verification and recovery. */
  lateness: { periodic: HistogramSnapshot; oneShot: HistogramSnapshot };
  flush: FlushStats;
  loop: { ticks: number; maxTickMs: number; delayP99Ms: number | null; delayMaxMs: number | null };
  regions: RegionView;
  /** process.memoryUsage() in MB (the process, not only the engine). */
  memory: EngineMemory;
}
