// What the engine's parts share: the pure scheduler and impairment detector, the job queue, the
// write buffer, the live monitors (by id and by lineage), the region view and the figures stats()
// reports. engine.ts builds one; the other files here are functions over it, one job each
// (ARCHITECTURE.md "Engine").
import { randomBytes } from 'node:crypto';
import { type ELDHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { RegionView } from '../domain/regions.ts';
import type { MissedReason } from '../domain/rounds.ts';
import { JobQueue } from '../jobs/queue.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import type { IncidentRecord } from '../store/runtime-types.ts';
import { ImpairmentDetector } from '../verdict/impairment.ts';
import { alternateRegion } from './dispatch.ts';
import { SpecInterner } from './intern.ts';
import { Histogram, RecentIds } from './stats.ts';
import type { EngineOptions, Live } from './types.ts';
import { WriteBuffer } from './write-buffer.ts';

/** Answered job ids kept in memory; older duplicates are found in the store (storedJobs). */
const RECENT_TTL = 2 * 60_000;

export class EngineState {
  readonly o: EngineOptions;
  readonly scheduler: Scheduler;
  readonly detector: ImpairmentDetector;
  readonly queue: JobQueue;
  readonly buffer: WriteBuffer;
  readonly byId = new Map<string, Live>();
  readonly byHistory = new Map<number, Live>();
  regionView: RegionView = { live: [], impaired: [] };
  started = false;
  stopped = false;
  /** Shards moved since the last reconcile: monitors gained load their stored state. */
  shardsMoved = false;
  readonly jobPrefix = `${randomBytes(4).toString('hex')}-`;
  jobSeq = 0;
  readonly recent = new RecentIds(RECENT_TTL);
  readonly interner = new SpecInterner();
  /** Detector incident id -> the stored region incident it continues (after a restart). */
  readonly regionAlias = new Map<string, string>();
  /** Region incidents stored as open at start, until the first impairment evaluation. */
  restoredRegions: Map<string, IncidentRecord> | null = null;
  readonly lateness = { periodic: new Histogram(), oneShot: new Histogram() };
  readonly counts = {
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    requeued: 0,
    missed: { no_runner: 0, lease_expired: 0, deadline: 0, cancelled: 0 } as Record<MissedReason, number>,
  };
  readonly loop = { ticks: 0, maxTickMs: 0 };
  readonly loopDelay: ELDHistogram | null;

  /** Whether this collector schedules the lineage (EngineOptions.owns). */
  owns(historyId: number): boolean {
    return this.o.owns === undefined || this.o.owns(historyId);
  }

  constructor(options: EngineOptions) {
    this.o = options;
    this.scheduler = new Scheduler({ clock: options.clock, rng: options.rng });
    this.detector = new ImpairmentDetector(options.impairment);
    this.queue = new JobQueue({
      clock: options.clock,
      timers: options.timers,
      onlineIn: (region, except) => options.registry.onlineIn(region, except),
      alternateRegion: (job) => alternateRegion(this, job),
      runner: (id) => options.registry.get(id),
      ...(options.leaseSlack === undefined ? {} : { leaseSlack: options.leaseSlack }),
    });
    this.buffer = new WriteBuffer({
      store: options.store.runtime,
      timers: options.timers,
      clock: options.clock,
      ...(options.flushMs === undefined ? {} : { flushMs: options.flushMs }),
      ...(options.flushRows === undefined ? {} : { maxRows: options.flushRows }),
      ...(options.bufferRows === undefined ? {} : { maxBuffered: options.bufferRows }),
      random: options.rng,
      log: options.log,
      ...(options.fence === undefined ? {} : { fence: options.fence }),
      ...(options.onFenced === undefined ? {} : { onFenced: options.onFenced }),
    });
    this.loopDelay = options.loopDelay ? monitorEventLoopDelay({ resolution: 10 }) : null;
  }
}
