// The engine: the timer and I/O wrapper around the pure Scheduler, the verdict's `step` and the
// ImpairmentDetector (the loop test/verdict/world.ts simulates, with real runners and storage).
//
//   start()       loads monitors, their stored states and runner sessions; replays the last
//                 10 minutes of checks into the impairment detector; starts the tick loop.
//   tick          runner liveness -> region view; expired leases and deadlines (job queue);
//                 scheduler items -> jobs on region queues / missed / wake-ups; every 10 s the
//                 impairment detector. A tick is synchronous; the next one is set for the
//                 scheduler's next due time (at most `tickMs` later).
//   results(...)  a runner's results: accepted (a vote, stored by the next flush), duplicate, or
//                 rejected (unknown or expired job: never a vote). See acceptResults.
//   reconcile()   after a sync: create / update / rename / replace / delete / pause, by lineage.
//   status(id), stats()  for the API.
//
// Persistence is write-behind (write-buffer.ts): check rows, logs, marks, the monitor's state,
// incident events and runner records go out in one transaction per flush. Incident events reach
// the store's IncidentEventSink inside that same transaction (issue 6's outbox hook).
//
// Choices:
// - After a restart, rounds that were open (verifying, recovering, down rounds) lost their jobs:
//   those jobs count as missed at once (the round decides with the votes it has) instead of
//   waiting out the round's deadline.
// - Lateness = claim time - due time, per job (the benchmark's figure), in `stats().lateness`.
// - A check's start time is the runner's `startedAt` when plausible, else the claim time.
import { randomBytes } from 'node:crypto';
import { type ELDHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { TimerHandle, Timers } from '../../common/timers.ts';
import type { CheckResult } from '../../probe/types.ts';
import type { Job, JobResult, JobSpec, ResultsResponse } from '../../runner/protocol.ts';
import type { MonitorSpec, Secrets } from '../../schema/types.ts';
import { monitorRegions, pickOne, type Rng, votingRegions } from '../domain/regions.ts';
import type { RunnerRegistry, RunnerSession } from '../fleet/registry.ts';
import { JobQueue } from '../jobs/queue.ts';
import type { MissReason, QueuedJob, QueueOutcome } from '../jobs/types.ts';
import { Scheduler, type SchedulerItem } from '../scheduler/scheduler.ts';
import type {
  IncidentRecord,
  RegionResult,
  RuntimeMonitorRecord,
  StoredState,
} from '../store/runtime-types.ts';
import type { MonitorRecord, Store } from '../store/types.ts';
import { ImpairmentDetector, type ImpairmentOptions, type RegionEvent } from '../verdict/impairment.ts';
import { initialState, step } from '../verdict/machine.ts';
import type {
  Incident,
  MissedReason,
  MonitorState,
  RegionView,
  StateName,
  VerdictEvent,
} from '../verdict/types.ts';
import { buildCheck } from './check-record.ts';
import { SpecInterner } from './intern.ts';
import { Histogram, type HistogramSnapshot, RecentIds } from './stats.ts';
import { type FlushStats, WriteBuffer } from './write-buffer.ts';

export interface EngineLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EngineOptions {
  store: Store;
  registry: RunnerRegistry;
  clock: () => number;
  timers: Timers;
  rng: Rng;
  log: EngineLog;
  /** Longest gap between ticks (ms). */
  tickMs?: number;
  flushMs?: number;
  flushRows?: number;
  /** Impairment evaluation period (ms). */
  evaluateMs?: number;
  /** Checks replayed into the impairment detector at start (ms back). */
  replayMs?: number;
  impairment?: Partial<ImpairmentOptions>;
  leaseSlack?: number;
  /** Measure event-loop delay (real processes; off under fake clocks). */
  loopDelay?: boolean;
}

interface Live {
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
  memory: {
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
  };
}

/** Answered job ids kept in memory; older duplicates are found in the store (storedJobs). */
const RECENT_TTL = 2 * 60_000;

function toJobSpec(spec: MonitorSpec): JobSpec {
  return {
    url: spec.url,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    keywords: spec.keywords,
    forbidden_keywords: spec.forbidden_keywords,
    assertions: spec.assertions,
    timeout: spec.timeout,
    follow_redirects: spec.follow_redirects,
    tls: spec.tls,
    http: spec.http,
    ip: spec.ip,
  };
}

export class Engine {
  readonly queue: JobQueue;
  readonly #o: EngineOptions;
  readonly #scheduler: Scheduler;
  readonly #detector: ImpairmentDetector;
  readonly #buffer: WriteBuffer;
  readonly #byId = new Map<string, Live>();
  readonly #byHistory = new Map<number, Live>();
  #view: RegionView = { live: [], impaired: [] };
  #timer: TimerHandle | null = null;
  #started = false;
  #stopped = false;
  #nextEvaluate = 0;
  readonly #jobPrefix = `${randomBytes(4).toString('hex')}-`;
  #jobSeq = 0;
  readonly #recent = new RecentIds(RECENT_TTL);
  readonly #interner = new SpecInterner();
  /** Detector incident id -> the stored region incident it continues (after a restart). */
  readonly #regionAlias = new Map<string, string>();
  #restoredRegions: Map<string, IncidentRecord> | null = null;
  #reconciling: Promise<void> = Promise.resolve();
  readonly #lateness = { periodic: new Histogram(), oneShot: new Histogram() };
  readonly #counts = {
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    requeued: 0,
    missed: { no_runner: 0, lease_expired: 0, deadline: 0, cancelled: 0 } as Record<MissedReason, number>,
  };
  #ticks = 0;
  #maxTickMs = 0;
  readonly #loopDelay: ELDHistogram | null;

  constructor(options: EngineOptions) {
    this.#o = options;
    this.#scheduler = new Scheduler({ clock: options.clock, rng: options.rng });
    this.#detector = new ImpairmentDetector(options.impairment);
    this.queue = new JobQueue({
      clock: options.clock,
      timers: options.timers,
      onlineIn: (region, except) => options.registry.onlineIn(region, except),
      alternateRegion: (job) => this.#alternateRegion(job),
      runner: (id) => options.registry.get(id),
      ...(options.leaseSlack === undefined ? {} : { leaseSlack: options.leaseSlack }),
    });
    this.#buffer = new WriteBuffer({
      store: options.store.runtime,
      timers: options.timers,
      clock: options.clock,
      ...(options.flushMs === undefined ? {} : { flushMs: options.flushMs }),
      ...(options.flushRows === undefined ? {} : { maxRows: options.flushRows }),
      onError: (error) => options.log.error({ err: error }, 'engine: flush failed; retrying'),
    });
    this.#loopDelay = options.loopDelay ? monitorEventLoopDelay({ resolution: 10 }) : null;
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    const { store, clock, registry } = this.#o;
    const [monitors, states, runners, openRegions] = await Promise.all([
      store.runtime.loadMonitors(),
      store.runtime.loadStates(),
      store.runtime.loadRunners(),
      store.incidents.list({ status: 'open', kind: 'region', limit: 1000 }),
    ]);
    registry.restore(runners);
    this.#refreshView();
    const stored = new Map(states.map((s) => [s.historyId, s]));
    for (const m of monitors) this.#add(m, stored.get(m.record.historyId) ?? null);
    // States of lineages no longer current (deleted while nobody reconciled) go.
    for (const s of states) if (!this.#byHistory.has(s.historyId)) this.#buffer.dropState(s.historyId);

    const now = clock();
    const recent = await store.runtime.recentChecks(now - (this.#o.replayMs ?? 10 * 60_000));
    for (const c of recent) {
      const live = this.#byHistory.get(c.historyId);
      if (live) this.#detector.record({ monitorId: live.id, region: c.region, ok: c.ok, at: c.startedAt });
    }
    this.#restoredRegions = new Map(openRegions.filter((i) => i.region !== null).map((i) => [i.region!, i]));
    this.#nextEvaluate = now;
    this.#loopDelay?.enable();
    this.#started = true;
    this.#o.log.info(
      { monitors: this.#byId.size, restoredStates: stored.size, replayed: recent.length },
      'engine started',
    );
    this.#tick();
  }

  /** Stop handing out jobs; long-polling claims answer at once. */
  beginClose(): void {
    this.queue.close();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.queue.close();
    if (this.#timer !== null) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.#loopDelay?.disable();
    for (const r of this.#o.registry.takeDirty()) this.#buffer.runner(r);
    await this.#reconciling.catch(() => undefined);
    await this.#buffer.close();
  }

  /** Everything accepted so far is in the store once this resolves. */
  flush(): Promise<void> {
    return this.#buffer.flush();
  }

  // ------------------------------------------------------------------ the loop

  #arm(): void {
    if (this.#stopped) return;
    const now = this.#o.clock();
    const next = this.#scheduler.nextAt();
    const tickMs = this.#o.tickMs ?? 100;
    const delay = next === null ? tickMs : Math.min(tickMs, Math.max(0, next - now));
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = null;
      this.#tick();
    }, delay);
  }

  #tick(): void {
    if (this.#stopped || !this.#started) return;
    const started = performance.now();
    try {
      this.#tickOnce();
    } catch (error) {
      this.#o.log.error({ err: error }, 'engine: tick failed');
    }
    this.#ticks += 1;
    this.#maxTickMs = Math.max(this.#maxTickMs, performance.now() - started);
    this.#arm();
  }

  /** One pass of the loop. */
  #tickOnce(): void {
    const { registry, clock } = this.#o;
    for (const gone of registry.sweep()) {
      this.#o.log.warn({ runner: gone.id, region: gone.region, name: gone.name }, 'runner offline');
      this.#onQueue(this.queue.expireRunner(gone.id));
    }
    for (const r of registry.takeDirty()) this.#buffer.runner(r);
    this.#refreshView();
    const now = clock();
    this.#onQueue(this.queue.sweep(now));
    for (const item of this.#scheduler.due(now)) this.#handle(item, now);
    if (now >= this.#nextEvaluate) {
      this.#nextEvaluate = now + (this.#o.evaluateMs ?? 10_000);
      this.#evaluate(now);
    }
    this.#recent.prune(now);
  }

  #refreshView(): void {
    const live = this.#o.registry.liveRegions();
    const impaired = this.#detector.impaired();
    const same =
      live.length === this.#view.live.length &&
      live.every((r, i) => r === this.#view.live[i]) &&
      impaired.length === this.#view.impaired.length &&
      impaired.every((r, i) => r === this.#view.impaired[i]);
    if (same) return;
    this.#view = { live, impaired };
    this.#scheduler.setRegions(this.#view);
  }

  #handle(item: SchedulerItem, now: number): void {
    switch (item.type) {
      case 'round':
        this.#startRound(item, now);
        return;
      case 'missed': {
        const live = this.#byId.get(item.monitorId);
        if (!live) return;
        this.#counts.missed[item.missed.reason] += 1;
        this.#buffer.missed(live.historyId, item.missed.region, item.due);
        this.#step(live, { type: 'missed', missed: item.missed });
        return;
      }
      case 'wake': {
        const live = this.#byId.get(item.monitorId);
        if (live) this.#step(live, { type: 'tick' });
        return;
      }
      case 'expired': {
        for (const job of this.queue.cancelRound(item.round.id)) this.#missed(job, 'lease_expired', false);
        return;
      }
    }
  }

  #startRound(item: Extract<SchedulerItem, { type: 'round' }>, now: number): void {
    const live = this.#byId.get(item.monitorId);
    if (!live) return;
    const periodic = item.round.purpose === 'scheduled' || item.round.purpose === 'down-round';
    if (periodic) live.lastRoundAt = item.due;
    for (const region of item.regions) {
      this.#jobSeq += 1;
      const job: QueuedJob = {
        jobId: `${this.#jobPrefix}${this.#jobSeq.toString(36)}`,
        monitorId: live.id,
        historyId: live.historyId,
        round: item.round,
        periodic,
        region,
        roundRegions: item.regions,
        due: item.due,
        createdAt: now,
        deadline: item.deadline,
        timeout: live.spec.timeout,
        spec: live.jobSpec,
        secrets: live.secrets,
        state: 'queued',
        lease: null,
        firstClaimedAt: null,
        requeued: false,
        exclude: null,
        seq: 0,
      };
      this.queue.add(job);
    }
  }

  #onQueue(out: QueueOutcome): void {
    this.#counts.requeued += out.requeued.length;
    for (const job of out.requeued) {
      this.#o.log.info({ job: job.jobId, monitor: job.monitorId, region: job.region }, 'job re-queued');
    }
    for (const { job, reason } of out.missed) this.#missed(job, reason, true);
  }

  /** A job that will never answer: no vote, only the verdict's bookkeeping. */
  #missed(job: QueuedJob, reason: MissReason, report: boolean): void {
    this.#counts.missed[reason] += 1;
    const live = this.#byHistory.get(job.historyId);
    if (!live) return;
    this.#buffer.missed(live.historyId, job.region, job.due);
    if (report && job.periodic) this.#scheduler.report(live.id, job.round.id);
    this.#step(live, {
      type: 'missed',
      missed: { jobId: job.jobId, round: job.round, region: job.region, reason, message: null },
    });
  }

  #alternateRegion(job: QueuedJob): string | null {
    const live = this.#byHistory.get(job.historyId);
    if (!live) return null;
    // Never a region that already has a say in this round (a dispatched job, or a vote cast such
    // as the failure a verification started from): one vantage point must not vote twice.
    const used = new Set([...job.roundRegions, job.region]);
    const round = live.state.round;
    if (round && round.id === job.round.id) for (const v of round.votes) used.add(v.region);
    const voting = votingRegions(live.spec.regions, this.#view).filter((r) => !used.has(r));
    const any = monitorRegions(live.spec.regions, this.#view.live).filter((r) => !used.has(r));
    return pickOne(voting.length > 0 ? voting : any, null, this.#o.rng);
  }

  #evaluate(now: number): void {
    const events = this.#detector.evaluate(now);
    const restored = this.#restoredRegions;
    for (const e of events) {
      const previous = restored?.get(e.region);
      if (e.type === 'opened' && previous) {
        // The same impairment as before the restart: continue its incident, no second one.
        this.#regionAlias.set(e.incidentId, previous.id);
        restored!.delete(e.region);
        continue;
      }
      const incidentId = this.#regionAlias.get(e.incidentId) ?? e.incidentId;
      if (e.type === 'resolved') this.#regionAlias.delete(e.incidentId);
      this.#regionEvent({ ...e, incidentId });
    }
    if (restored) {
      // Impairments stored as open that the evidence no longer shows: they ended.
      for (const inc of restored.values()) {
        this.#regionEvent({
          type: 'resolved',
          kind: 'region',
          region: inc.region!,
          incidentId: inc.id,
          start: inc.start,
          end: inc.lastFailure,
          at: now,
          candidates: 0,
          failing: 0,
          ratio: 0,
          monitors: [],
        });
      }
      this.#restoredRegions = null;
    }
    if (events.length > 0) this.#refreshView();
  }

  #regionEvent(e: RegionEvent): void {
    this.#o.log.warn(
      { region: e.region, incident: e.incidentId, failing: e.failing, candidates: e.candidates },
      e.type === 'opened' ? 'region impaired' : 'region healthy again',
    );
    this.#buffer.event({ source: 'region', event: e });
  }

  // ------------------------------------------------------------------ verdict

  #step(live: Live, event: VerdictEvent): void {
    const { clock, rng } = this.#o;
    const out = step({ spec: live.spec, state: live.state, regions: this.#view, event, now: clock(), rng });
    live.state = out.state;
    this.#scheduler.setCadence(live.id, out.cadence);
    for (const d of out.dispatch) this.#scheduler.enqueue(d);
    this.#scheduler.wake(live.id, out.wakeAt);
    for (const m of out.marks) {
      this.#buffer.mark(m.jobId, m.mark);
      for (const r of live.lastResults.values()) if (r.jobId === m.jobId) r.mark = m.mark;
    }
    for (const e of out.events) {
      this.#o.log.info(
        { monitor: live.id, incident: e.incidentId, type: e.type, cause: e.cause, suppressed: e.suppressed },
        `incident ${e.type}`,
      );
      this.#buffer.event({ source: 'monitor', historyId: live.historyId, event: e });
    }
    for (const t of out.transitions) this.#o.log.debug({ monitor: live.id, from: t.from, to: t.to }, 'state');
    this.#saveState(live);
  }

  #saveState(live: Live): void {
    this.#buffer.state(live.historyId, () => this.#snapshot(live));
  }

  #snapshot(live: Live): StoredState {
    return {
      historyId: live.historyId,
      monitorId: live.id,
      verdict: live.state,
      lastRoundAt: live.lastRoundAt,
      lastResults: [...live.lastResults.values()].sort((a, b) => a.region.localeCompare(b.region)),
      updatedAt: this.#o.clock(),
    };
  }

  // ------------------------------------------------------------------ monitors

  #add(m: RuntimeMonitorRecord, stored: StoredState | null): void {
    const { record } = m;
    const now = this.#o.clock();
    let state = stored?.verdict ?? initialState(now);
    if (state.round && state.round.deadline > now) {
      // Its jobs were lost with the previous process: they count as missed now.
      state = { ...state, round: { ...state.round, deadline: now } };
    }
    const spec = this.#interner.intern(record.spec);
    const live: Live = {
      historyId: record.historyId,
      id: record.id,
      record: { ...record, spec },
      spec,
      jobSpec: toJobSpec(spec),
      secrets: m.secrets,
      state,
      lastRoundAt: stored?.lastRoundAt ?? null,
      lastResults: new Map((stored?.lastResults ?? []).map((r) => [r.region, r])),
    };
    this.#byId.set(live.id, live);
    this.#byHistory.set(live.historyId, live);
    this.#upsertScheduler(live);
    this.#step(live, { type: 'tick' });
  }

  #upsertScheduler(live: Live): void {
    this.#scheduler.upsert({
      id: live.id,
      interval: live.spec.interval,
      timeout: live.spec.timeout,
      regions: live.spec.regions,
      paused: live.spec.paused,
      lastRoundAt: live.lastRoundAt,
    });
  }

  #remove(live: Live): void {
    this.#step(live, { type: 'removed' });
    this.#scheduler.remove(live.id);
    this.#detector.forget(live.id);
    this.#counts.missed.cancelled += this.queue.cancelMonitor(live.historyId).length;
    if (this.#byId.get(live.id) === live) this.#byId.delete(live.id);
    this.#byHistory.delete(live.historyId);
    this.#buffer.dropState(live.historyId);
  }

  /**
   * Brings the running set in line with the stored monitors (after a sync): new lineages start
   * pending, changed ones get their new spec (cadence, regions, pause, secrets) at once, renamed
   * ones keep state and history, deleted (or replaced) ones resolve what is open and stop.
   */
  reconcile(): Promise<void> {
    const run = this.#reconciling.then(() => this.#reconcileOnce());
    this.#reconciling = run.catch(() => undefined);
    return run;
  }

  async #reconcileOnce(): Promise<void> {
    if (!this.#started || this.#stopped) return;
    // Versions first (no specs): only new and changed lineages are loaded in full.
    const versions = await this.#o.store.runtime.loadMonitorVersions();
    const wanted = versions
      .filter((v) => {
        const live = this.#byHistory.get(v.historyId);
        return (
          !live ||
          live.record.revision !== v.revision ||
          live.record.specHash !== v.specHash ||
          live.id !== v.id
        );
      })
      .map((v) => v.historyId);
    const monitors = wanted.length > 0 ? await this.#o.store.runtime.loadMonitors(wanted) : [];
    if (this.#stopped) return;
    const current = new Set(versions.map((v) => v.historyId));
    for (const live of [...this.#byHistory.values()]) if (!current.has(live.historyId)) this.#remove(live);
    const changed: Array<{ live: Live; m: RuntimeMonitorRecord }> = [];
    for (const m of monitors) {
      const live = this.#byHistory.get(m.record.historyId);
      if (live) {
        changed.push({ live, m });
        if (live.id !== m.record.id) {
          // Renamed: off the old id everywhere first (another monitor may be taking it).
          this.#scheduler.remove(live.id);
          this.#detector.forget(live.id);
          if (this.#byId.get(live.id) === live) this.#byId.delete(live.id);
        }
      }
    }
    for (const { live, m } of changed) {
      const renamed = live.id !== m.record.id;
      const spec = this.#interner.intern(m.record.spec);
      live.id = m.record.id;
      live.record = { ...m.record, spec };
      live.spec = spec;
      live.jobSpec = toJobSpec(spec);
      live.secrets = m.secrets;
      this.#byId.set(live.id, live);
      this.#upsertScheduler(live);
      if (renamed) this.#o.log.info({ monitor: live.id }, 'monitor renamed: state and history kept');
      this.#step(live, { type: 'tick' });
    }
    for (const m of monitors) if (!this.#byHistory.has(m.record.historyId)) this.#add(m, null);
  }

  // ------------------------------------------------------------------ results

  /**
   * A batch of results from `runner`. Accepted: voted now, stored by the next flush. Duplicate:
   * answered before (a retried batch). Rejected: unknown job, expired lease, or leased to another
   * runner: never a vote, not stored.
   */
  async acceptResults(runner: RunnerSession, results: readonly JobResult[]): Promise<ResultsResponse> {
    const out: ResultsResponse = { accepted: [], duplicates: [], rejected: [] };
    const unknown: string[] = [];
    const now = this.#o.clock();
    for (const { jobId, result } of results) {
      if (this.#stopped) {
        out.rejected.push(jobId);
        continue;
      }
      if (this.#recent.has(jobId) || this.#buffer.pendingCheck(jobId)) {
        out.duplicates.push(jobId);
        continue;
      }
      const taken = this.queue.take(jobId, runner.id, now);
      if (taken.kind === 'ok') {
        this.#accept(taken.job, taken.lease, runner, result, now);
        out.accepted.push(jobId);
      } else if (taken.kind === 'unknown') unknown.push(jobId);
      else out.rejected.push(jobId);
    }
    if (unknown.length > 0) {
      const stored = await this.#o.store.runtime.storedJobs(unknown);
      for (const id of unknown) (stored.has(id) ? out.duplicates : out.rejected).push(id);
    }
    this.#counts.accepted += out.accepted.length;
    this.#counts.duplicates += out.duplicates.length;
    this.#counts.rejected += out.rejected.length;
    return out;
  }

  /** True once the collector is closing (see JobBroker in collector/fleet/service.ts). */
  get draining(): boolean {
    return this.queue.closing;
  }

  /** Leases up to `max` due jobs of the runner's region to it, in their wire form. */
  async claim(runner: RunnerSession, max: number, wait: number, signal?: AbortSignal): Promise<Job[]> {
    const jobs = await this.queue.claim(runner, max, wait, signal);
    return jobs.map((job) => {
      this.noteClaimed(job);
      return {
        jobId: job.jobId,
        monitorId: job.monitorId,
        purpose: job.round.purpose,
        roundId: job.round.id,
        deadline: job.lease!.until,
        spec: job.spec,
        secrets: job.secrets,
      };
    });
  }

  /** A runner left (deregistered): the leases it holds expire now (re-queued once). */
  runnerGone(runner: RunnerSession): void {
    this.#onQueue(this.queue.expireRunner(runner.id));
  }

  /** Lateness of a job just leased (claim time minus due time), counted at its first lease. */
  noteClaimed(job: QueuedJob): void {
    const lease = job.lease;
    if (lease === null || job.firstClaimedAt !== lease.claimedAt) return;
    (job.periodic ? this.#lateness.periodic : this.#lateness.oneShot).record(lease.claimedAt - job.due);
  }

  #accept(
    job: QueuedJob,
    lease: NonNullable<QueuedJob['lease']>,
    runner: RunnerSession,
    result: CheckResult,
    now: number,
  ): void {
    this.#recent.add(job.jobId, now);
    runner.checks.add(now);
    const live = this.#byHistory.get(job.historyId);
    const built = buildCheck(
      job,
      lease,
      live?.id ?? job.monitorId,
      result,
      live?.secrets ?? job.secrets,
      now,
    );
    this.#buffer.check(built.check, built.log);
    if (!live) return;
    live.lastResults.set(job.region, built.summary);
    this.#detector.record({
      monitorId: live.id,
      region: job.region,
      ok: built.check.ok,
      at: built.check.startedAt,
    });
    if (job.periodic) this.#scheduler.report(live.id, job.round.id);
    this.#step(live, {
      type: 'result',
      vote: {
        jobId: job.jobId,
        round: job.round,
        region: job.region,
        runner: runner.id,
        ok: built.check.ok,
        reason: built.check.reason,
        at: built.check.startedAt,
      },
    });
  }

  // ------------------------------------------------------------------ reading

  /** Live regions and the impaired ones (as the scheduler sees them). */
  get view(): RegionView {
    return this.#view;
  }

  isImpaired(region: string): boolean {
    return this.#detector.isImpaired(region);
  }

  regionHealth() {
    return this.#detector.health(this.#o.clock());
  }

  status(id: string): MonitorStatus | undefined {
    const live = this.#byId.get(id);
    if (!live) return undefined;
    const s = live.state;
    return {
      state: s.state,
      since: s.since,
      note: s.note,
      lastCheckAt: s.lastCheckAt,
      score: s.score,
      incident: s.incident,
      lastResults: [...live.lastResults.values()].sort((a, b) => a.region.localeCompare(b.region)),
    };
  }

  stats(): EngineStats {
    const states: Record<string, number> = {};
    for (const live of this.#byId.values()) states[live.state.state] = (states[live.state.state] ?? 0) + 1;
    const delay = this.#loopDelay;
    return {
      now: this.#o.clock(),
      monitors: this.#byId.size,
      states,
      scheduler: this.#scheduler.stats(),
      queue: this.queue.stats(),
      results: {
        accepted: this.#counts.accepted,
        duplicates: this.#counts.duplicates,
        rejected: this.#counts.rejected,
      },
      missed: { ...this.#counts.missed },
      requeued: this.#counts.requeued,
      lateness: { periodic: this.#lateness.periodic.snapshot(), oneShot: this.#lateness.oneShot.snapshot() },
      flush: { ...this.#buffer.stats, pending: this.#buffer.pending },
      loop: {
        ticks: this.#ticks,
        maxTickMs: Math.round(this.#maxTickMs * 10) / 10,
        delayP99Ms: delay && delay.count > 0 ? Math.round(delay.percentile(99) / 1e4) / 100 : null,
        delayMaxMs: delay && delay.count > 0 ? Math.round(delay.max / 1e4) / 100 : null,
      },
      regions: this.#view,
      memory: memoryMb(),
    };
  }
}

function memoryMb(): EngineStats['memory'] {
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
