// The engine: the timer and I/O wrapper around the pure Scheduler, the verdict's `step` and the
// ImpairmentDetector (the loop test/verdict/world.ts simulates, with real runners and storage).
//
//   start()       loads monitors, their stored states and runner sessions; replays the last
//                 10 minutes of checks into the impairment detector; starts the tick loop.
//   tick          runner liveness -> region view; expired leases and deadlines (job queue);
//                 scheduler items -> jobs on region queues / missed / wake-ups; every 10 s the
//                 impairment detector. A tick is synchronous; the next one is set for the
//                 scheduler's next due time (at most `tickMs` later).
//   results(...)  a runner's results: accepted (a vote, stored by the next flush), late (its
//                 round is over: stored with checks.late, never a vote), duplicate, or rejected
//                 (unknown job, or leased to another runner: never a vote). See acceptResults.
//   reconcile()   after a sync: create / update / rename / replace / delete / pause, by lineage.
//   status(id), stats()  for the API.
//
// Persistence is write-behind (write-buffer.ts): check rows, logs, marks, the monitor's state,
// incident events and runner records go out in one transaction per flush. Incident events reach
// the store's IncidentEventSink inside that same transaction (the outbox hook, ARCHITECTURE.md "Invariants").
//
// Choices:
// - After a restart, rounds that were open (verifying, recovering, down rounds) lost their jobs:
//   those jobs count as missed at once (the round decides with the votes it has) instead of
//   waiting out the round's deadline.
// - Lateness = claim time - due time, per job (the benchmark's figure), in `stats().lateness`.
// - A check's start time is the runner's `startedAt` when plausible, else the claim time.
//
// Files: this one is the façade (lifecycle, the tick loop, the API the runner service and routes
// call); state.ts (the parts and the state they share), monitors.ts (live monitors, reconcile),
// dispatch.ts (scheduler items -> jobs, misses), intake.ts (claims, results -> votes),
// step.ts (verdict steps, state saved write-behind), region-health.ts (region view,
// impairment), reads.ts (status, stats), late-results.ts (leases kept past their round),
// write-buffer.ts with flush-trouble.ts and spill.ts (writes, a refusing disk, unsaved rows).
import type { TimerHandle } from '../../common/timers.ts';
import type { Job, JobResult, ResultsResponse } from '../../runner/protocol.ts';
import type { RegionView } from '../domain/regions.ts';
import type { RunnerSession } from '../fleet/registry.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { QueuedJob } from '../jobs/types.ts';
import { handleItem, onQueue } from './dispatch.ts';
import { acceptResults, claimJobs, noteClaimed } from './intake.ts';
import { reconcileMonitors, restoreMonitors } from './monitors.ts';
import { engineStats, monitorStatus } from './reads.ts';
import { evaluateRegions, refreshView, restoreRegions } from './region-health.ts';
import { batchRows, replaySpills, writeSpill } from './spill.ts';
import { EngineState } from './state.ts';
import type { EngineOptions, EngineStats, MonitorStatus } from './types.ts';

export type { EngineOptions, EngineStats, MonitorStatus } from './types.ts';

export class Engine {
  readonly queue: JobQueue;
  readonly #st: EngineState;
  #timer: TimerHandle | null = null;
  #nextEvaluate = 0;
  #reconciling: Promise<void> = Promise.resolve();

  constructor(options: EngineOptions) {
    this.#st = new EngineState(options);
    this.queue = this.#st.queue;
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    const st = this.#st;
    const { store, clock, registry } = st.o;
    // Rows a previous run could not write (the disk was full) go in before the state is read.
    if (st.o.spillOf) {
      const spilled = await replaySpills(store.runtime, st.o.spillOf, st.o.log, st.o.spillTmp);
      if (spilled.lost > 0) st.buffer.countDropped('spill_unreadable', spilled.lost);
    }
    const [monitors, states, runners, openRegions] = await Promise.all([
      store.runtime.loadMonitors(),
      store.runtime.loadStates(),
      store.runtime.loadRunners(),
      store.incidents.list({ status: 'open', kind: 'region', limit: 1000 }),
    ]);
    registry.restore(runners);
    refreshView(st);
    const restoredStates = restoreMonitors(st, monitors, states);

    const now = clock();
    const recent = await store.runtime.recentChecks(now - (st.o.replayMs ?? 10 * 60_000));
    restoreRegions(st, recent, openRegions);
    this.#nextEvaluate = now;
    st.loopDelay?.enable();
    st.started = true;
    st.o.log.info({ monitors: st.byId.size, restoredStates, replayed: recent.length }, 'engine started');
    this.#tick();
  }

  /** Stop handing out jobs; long-polling claims answer at once. */
  beginClose(): void {
    this.#st.queue.close();
  }

  async stop(): Promise<void> {
    const st = this.#st;
    if (st.stopped) return;
    st.stopped = true;
    st.queue.close();
    if (this.#timer !== null) st.o.timers.clearTimeout(this.#timer);
    this.#timer = null;
    st.loopDelay?.disable();
    for (const r of st.o.registry.takeDirty()) st.buffer.runner(r);
    await this.#reconciling.catch(() => undefined);
    const rest = await st.buffer.close();
    if (rest === null) return;
    // The store refused the last rows (disk full): spill them, or say how many are lost.
    const spilled = st.o.spillOf
      ? await writeSpill(rest, st.o.spillOf, st.o.log, st.o.clock(), st.o.spillTmp)
      : { written: null, rows: batchRows(rest) };
    if (spilled.written === null) {
      st.buffer.countDropped('shutdown', spilled.rows);
      if (!st.o.spillOf) st.o.log.error({ rows: spilled.rows }, 'engine: unwritten rows LOST at stop');
    }
  }

  /** Everything accepted so far is in the store once this resolves. */
  flush(): Promise<void> {
    return this.#st.buffer.flush();
  }

  /**
   * Brings the running set in line with the stored monitors (after a sync): new lineages start
   * pending, changed ones get their new spec (cadence, regions, pause, secrets) at once, renamed
   * ones keep state and history, deleted (or replaced) ones resolve what is open and stop.
   * Calls run one after another.
   */
  reconcile(): Promise<void> {
    const run = this.#reconciling.then(() => reconcileMonitors(this.#st));
    this.#reconciling = run.catch(() => undefined);
    return run;
  }

  /**
   * The shards this collector schedules changed (collector/cluster/): monitors of lost shards
   * leave the schedule with their state flushed, those of gained ones start from their stored
   * state, as at start. Resolves once the flush is done.
   */
  shardsChanged(): Promise<void> {
    this.#st.shardsMoved = true;
    return this.reconcile();
  }

  // ------------------------------------------------------------------ the loop

  #arm(): void {
    const st = this.#st;
    if (st.stopped) return;
    const now = st.o.clock();
    const next = st.scheduler.nextAt();
    const tickMs = st.o.tickMs ?? 100;
    const delay = next === null ? tickMs : Math.min(tickMs, Math.max(0, next - now));
    this.#timer = st.o.timers.setTimeout(() => {
      this.#timer = null;
      this.#tick();
    }, delay);
  }

  #tick(): void {
    const st = this.#st;
    if (st.stopped || !st.started) return;
    const started = performance.now();
    try {
      this.#tickOnce();
    } catch (error) {
      st.o.log.error({ err: error }, 'engine: tick failed');
    }
    st.loop.ticks += 1;
    st.loop.maxTickMs = Math.max(st.loop.maxTickMs, performance.now() - started);
    this.#arm();
  }

  /** One pass of the loop. */
  #tickOnce(): void {
    const st = this.#st;
    const { registry, clock } = st.o;
    for (const gone of registry.sweep()) {
      st.o.log.warn({ runner: gone.id, region: gone.region, name: gone.name }, 'runner offline');
      onQueue(st, st.queue.expireRunner(gone.id));
    }
    for (const r of registry.takeDirty()) st.buffer.runner(r);
    refreshView(st);
    const now = clock();
    onQueue(st, st.queue.sweep(now));
    for (const item of st.scheduler.due(now)) handleItem(st, item, now);
    if (now >= this.#nextEvaluate) {
      this.#nextEvaluate = now + (st.o.evaluateMs ?? 10_000);
      evaluateRegions(st, now);
    }
    st.recent.prune(now);
  }

  // ------------------------------------------------------------------ runners (JobBroker)

  /** True once the collector is closing (see JobBroker in collector/fleet/service.ts). */
  get draining(): boolean {
    return this.#st.queue.closing;
  }

  /** Leases up to `max` due jobs of the runner's region to it, in their wire form. */
  claim(runner: RunnerSession, max: number, wait: number, signal?: AbortSignal): Promise<Job[]> {
    return claimJobs(this.#st, runner, max, wait, signal);
  }

  /**
   * A batch of results from `runner`. Accepted: voted now, stored by the next flush. Late (the
   * job's round is over, or its lease expired while a runner of its region was cut off): stored
   * with `late`, never a vote (engine/late-results.ts). Duplicate: answered before (a retried
   * batch). Rejected: unknown job, or waiting for another runner: never a vote, not stored.
   */
  acceptResults(runner: RunnerSession, results: readonly JobResult[]): Promise<ResultsResponse> {
    return acceptResults(this.#st, runner, results);
  }

  /** A runner left (deregistered): the leases it holds expire now (re-queued once). */
  runnerGone(runner: RunnerSession): void {
    onQueue(this.#st, this.#st.queue.expireRunner(runner.id));
  }

  /** Lateness of a job just leased (claim time minus due time), counted at its first lease. */
  noteClaimed(job: QueuedJob): void {
    noteClaimed(this.#st, job);
  }

  // ------------------------------------------------------------------ reading

  /** Live regions and the impaired ones (as the scheduler sees them). */
  get view(): RegionView {
    return this.#st.regionView;
  }

  isImpaired(region: string): boolean {
    return this.#st.detector.isImpaired(region);
  }

  regionHealth() {
    return this.#st.detector.health(this.#st.o.clock());
  }

  status(id: string): MonitorStatus | undefined {
    return monitorStatus(this.#st, id);
  }

  stats(): EngineStats {
    return engineStats(this.#st);
  }
}
