// The engine's state and its loop: live monitors, the tick that turns due scheduler items into
// jobs, misses and wake-ups, the impairment evaluation, and verdict steps saved write-behind.
// engine.ts adds monitor reconciliation, result intake and reads (ARCHITECTURE.md "Engine").
import { randomBytes } from 'node:crypto';
import { type ELDHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { TimerHandle } from '../../common/timers.ts';
import { monitorRegions, pickOne, type RegionView, votingRegions } from '../domain/regions.ts';
import type { MissedReason } from '../domain/rounds.ts';
import { JobQueue } from '../jobs/queue.ts';
import type { MissReason, QueuedJob, QueueOutcome } from '../jobs/types.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import type { SchedulerItem } from '../scheduler/types.ts';
import type { IncidentRecord, RuntimeMonitorRecord, StoredState } from '../store/runtime-types.ts';
import { ImpairmentDetector, type RegionEvent } from '../verdict/impairment.ts';
import { step } from '../verdict/machine.ts';
import type { VerdictEvent } from '../verdict/types.ts';
import { SpecInterner } from './intern.ts';
import { Histogram, RecentIds } from './stats.ts';
import type { EngineOptions, Live } from './types.ts';
import { WriteBuffer } from './write-buffer.ts';

/** Answered job ids kept in memory; older duplicates are found in the store (storedJobs). */
const RECENT_TTL = 2 * 60_000;

export abstract class EngineCore {
  readonly queue: JobQueue;
  protected readonly o: EngineOptions;
  protected readonly scheduler: Scheduler;
  protected readonly detector: ImpairmentDetector;
  protected readonly buffer: WriteBuffer;
  protected readonly byId = new Map<string, Live>();
  protected readonly byHistory = new Map<number, Live>();
  protected regionView: RegionView = { live: [], impaired: [] };
  protected timer: TimerHandle | null = null;
  protected started = false;
  protected stopped = false;
  protected nextEvaluate = 0;
  protected readonly jobPrefix = `${randomBytes(4).toString('hex')}-`;
  protected jobSeq = 0;
  protected readonly recent = new RecentIds(RECENT_TTL);
  protected readonly interner = new SpecInterner();
  /** Detector incident id -> the stored region incident it continues (after a restart). */
  protected readonly regionAlias = new Map<string, string>();
  protected restoredRegions: Map<string, IncidentRecord> | null = null;
  protected reconciling: Promise<void> = Promise.resolve();
  protected readonly lateness = { periodic: new Histogram(), oneShot: new Histogram() };
  protected readonly counts = {
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    requeued: 0,
    missed: { no_runner: 0, lease_expired: 0, deadline: 0, cancelled: 0 } as Record<MissedReason, number>,
  };
  protected ticks = 0;
  protected maxTickMs = 0;
  protected readonly loopDelay: ELDHistogram | null;

  constructor(options: EngineOptions) {
    this.o = options;
    this.scheduler = new Scheduler({ clock: options.clock, rng: options.rng });
    this.detector = new ImpairmentDetector(options.impairment);
    this.queue = new JobQueue({
      clock: options.clock,
      timers: options.timers,
      onlineIn: (region, except) => options.registry.onlineIn(region, except),
      alternateRegion: (job) => this.alternateRegion(job),
      runner: (id) => options.registry.get(id),
      ...(options.leaseSlack === undefined ? {} : { leaseSlack: options.leaseSlack }),
    });
    this.buffer = new WriteBuffer({
      store: options.store.runtime,
      timers: options.timers,
      clock: options.clock,
      ...(options.flushMs === undefined ? {} : { flushMs: options.flushMs }),
      ...(options.flushRows === undefined ? {} : { maxRows: options.flushRows }),
      onError: (error) => options.log.error({ err: error }, 'engine: flush failed; retrying'),
    });
    this.loopDelay = options.loopDelay ? monitorEventLoopDelay({ resolution: 10 }) : null;
  }

  /** Adds a monitor to the live set (engine.ts: monitors). */
  protected abstract add(m: RuntimeMonitorRecord, stored: StoredState | null): void;

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    const { store, clock, registry } = this.o;
    const [monitors, states, runners, openRegions] = await Promise.all([
      store.runtime.loadMonitors(),
      store.runtime.loadStates(),
      store.runtime.loadRunners(),
      store.incidents.list({ status: 'open', kind: 'region', limit: 1000 }),
    ]);
    registry.restore(runners);
    this.refreshView();
    const stored = new Map(states.map((s) => [s.historyId, s]));
    for (const m of monitors) this.add(m, stored.get(m.record.historyId) ?? null);
    // States of lineages no longer current (deleted while nobody reconciled) go.
    for (const s of states) if (!this.byHistory.has(s.historyId)) this.buffer.dropState(s.historyId);

    const now = clock();
    const recent = await store.runtime.recentChecks(now - (this.o.replayMs ?? 10 * 60_000));
    for (const c of recent) {
      const live = this.byHistory.get(c.historyId);
      if (live) this.detector.record({ monitorId: live.id, region: c.region, ok: c.ok, at: c.startedAt });
    }
    this.restoredRegions = new Map(openRegions.filter((i) => i.region !== null).map((i) => [i.region!, i]));
    this.nextEvaluate = now;
    this.loopDelay?.enable();
    this.started = true;
    this.o.log.info(
      { monitors: this.byId.size, restoredStates: stored.size, replayed: recent.length },
      'engine started',
    );
    this.tick();
  }

  /** Stop handing out jobs; long-polling claims answer at once. */
  beginClose(): void {
    this.queue.close();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.close();
    if (this.timer !== null) this.o.timers.clearTimeout(this.timer);
    this.timer = null;
    this.loopDelay?.disable();
    for (const r of this.o.registry.takeDirty()) this.buffer.runner(r);
    await this.reconciling.catch(() => undefined);
    await this.buffer.close();
  }

  /** Everything accepted so far is in the store once this resolves. */
  flush(): Promise<void> {
    return this.buffer.flush();
  }

  // ------------------------------------------------------------------ the loop

  protected arm(): void {
    if (this.stopped) return;
    const now = this.o.clock();
    const next = this.scheduler.nextAt();
    const tickMs = this.o.tickMs ?? 100;
    const delay = next === null ? tickMs : Math.min(tickMs, Math.max(0, next - now));
    this.timer = this.o.timers.setTimeout(() => {
      this.timer = null;
      this.tick();
    }, delay);
  }

  protected tick(): void {
    if (this.stopped || !this.started) return;
    const started = performance.now();
    try {
      this.tickOnce();
    } catch (error) {
      this.o.log.error({ err: error }, 'engine: tick failed');
    }
    this.ticks += 1;
    this.maxTickMs = Math.max(this.maxTickMs, performance.now() - started);
    this.arm();
  }

  /** One pass of the loop. */
  protected tickOnce(): void {
    const { registry, clock } = this.o;
    for (const gone of registry.sweep()) {
      this.o.log.warn({ runner: gone.id, region: gone.region, name: gone.name }, 'runner offline');
      this.onQueue(this.queue.expireRunner(gone.id));
    }
    for (const r of registry.takeDirty()) this.buffer.runner(r);
    this.refreshView();
    const now = clock();
    this.onQueue(this.queue.sweep(now));
    for (const item of this.scheduler.due(now)) this.handle(item, now);
    if (now >= this.nextEvaluate) {
      this.nextEvaluate = now + (this.o.evaluateMs ?? 10_000);
      this.evaluate(now);
    }
    this.recent.prune(now);
  }

  protected refreshView(): void {
    const live = this.o.registry.liveRegions();
    const impaired = this.detector.impaired();
    const same =
      live.length === this.regionView.live.length &&
      live.every((r, i) => r === this.regionView.live[i]) &&
      impaired.length === this.regionView.impaired.length &&
      impaired.every((r, i) => r === this.regionView.impaired[i]);
    if (same) return;
    this.regionView = { live, impaired };
    this.scheduler.setRegions(this.regionView);
  }

  protected handle(item: SchedulerItem, now: number): void {
    switch (item.type) {
      case 'round':
        this.startRound(item, now);
        return;
      case 'missed': {
        const live = this.byId.get(item.monitorId);
        if (!live) return;
        this.counts.missed[item.missed.reason] += 1;
        this.buffer.missed(live.historyId, item.missed.region, item.due);
        this.step(live, { type: 'missed', missed: item.missed });
        return;
      }
      case 'wake': {
        const live = this.byId.get(item.monitorId);
        if (live) this.step(live, { type: 'tick' });
        return;
      }
      case 'expired': {
        for (const job of this.queue.cancelRound(item.round.id)) this.missed(job, 'lease_expired', false);
        return;
      }
    }
  }

  protected startRound(item: Extract<SchedulerItem, { type: 'round' }>, now: number): void {
    const live = this.byId.get(item.monitorId);
    if (!live) return;
    const periodic = item.round.purpose === 'scheduled' || item.round.purpose === 'down-round';
    if (periodic) live.lastRoundAt = item.due;
    for (const region of item.regions) {
      this.jobSeq += 1;
      const job: QueuedJob = {
        jobId: `${this.jobPrefix}${this.jobSeq.toString(36)}`,
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

  protected onQueue(out: QueueOutcome): void {
    this.counts.requeued += out.requeued.length;
    for (const job of out.requeued) {
      this.o.log.info({ job: job.jobId, monitor: job.monitorId, region: job.region }, 'job re-queued');
    }
    for (const { job, reason } of out.missed) this.missed(job, reason, true);
  }

  /** A job that will never answer: no vote, only the verdict's bookkeeping. */
  protected missed(job: QueuedJob, reason: MissReason, report: boolean): void {
    this.counts.missed[reason] += 1;
    const live = this.byHistory.get(job.historyId);
    if (!live) return;
    this.buffer.missed(live.historyId, job.region, job.due);
    if (report && job.periodic) this.scheduler.report(live.id, job.round.id);
    this.step(live, {
      type: 'missed',
      missed: { jobId: job.jobId, round: job.round, region: job.region, reason, message: null },
    });
  }

  protected alternateRegion(job: QueuedJob): string | null {
    const live = this.byHistory.get(job.historyId);
    if (!live) return null;
    // Never a region that already has a say in this round (a dispatched job, or a vote cast such
    // as the failure a verification started from): one vantage point must not vote twice.
    const used = new Set([...job.roundRegions, job.region]);
    const round = live.state.round;
    if (round && round.id === job.round.id) for (const v of round.votes) used.add(v.region);
    const voting = votingRegions(live.spec.regions, this.regionView).filter((r) => !used.has(r));
    const any = monitorRegions(live.spec.regions, this.regionView.live).filter((r) => !used.has(r));
    return pickOne(voting.length > 0 ? voting : any, null, this.o.rng);
  }

  protected evaluate(now: number): void {
    const events = this.detector.evaluate(now);
    const restored = this.restoredRegions;
    for (const e of events) {
      const previous = restored?.get(e.region);
      if (e.type === 'opened' && previous) {
        // The same impairment as before the restart: continue its incident, no second one.
        this.regionAlias.set(e.incidentId, previous.id);
        restored!.delete(e.region);
        continue;
      }
      const incidentId = this.regionAlias.get(e.incidentId) ?? e.incidentId;
      if (e.type === 'resolved') this.regionAlias.delete(e.incidentId);
      this.regionEvent({ ...e, incidentId });
    }
    if (restored) {
      // Impairments stored as open that the evidence no longer shows: they ended.
      for (const inc of restored.values()) {
        this.regionEvent({
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
      this.restoredRegions = null;
    }
    if (events.length > 0) this.refreshView();
  }

  protected regionEvent(e: RegionEvent): void {
    this.o.log.warn(
      { region: e.region, incident: e.incidentId, failing: e.failing, candidates: e.candidates },
      e.type === 'opened' ? 'region impaired' : 'region healthy again',
    );
    this.buffer.event({ source: 'region', event: e });
  }

  // ------------------------------------------------------------------ verdict

  protected step(live: Live, event: VerdictEvent): void {
    const { clock, rng } = this.o;
    const out = step({
      spec: live.spec,
      state: live.state,
      regions: this.regionView,
      event,
      now: clock(),
      rng,
    });
    live.state = out.state;
    this.scheduler.setCadence(live.id, out.cadence);
    for (const d of out.dispatch) this.scheduler.enqueue(d);
    this.scheduler.wake(live.id, out.wakeAt);
    for (const m of out.marks) {
      this.buffer.mark(m.jobId, m.mark);
      for (const r of live.lastResults.values()) if (r.jobId === m.jobId) r.mark = m.mark;
    }
    for (const e of out.events) {
      this.o.log.info(
        { monitor: live.id, incident: e.incidentId, type: e.type, cause: e.cause, suppressed: e.suppressed },
        `incident ${e.type}`,
      );
      this.buffer.event({ source: 'monitor', historyId: live.historyId, event: e });
    }
    for (const t of out.transitions) this.o.log.debug({ monitor: live.id, from: t.from, to: t.to }, 'state');
    this.saveState(live);
  }

  protected saveState(live: Live): void {
    this.buffer.state(live.historyId, () => this.snapshot(live));
  }

  protected snapshot(live: Live): StoredState {
    return {
      historyId: live.historyId,
      monitorId: live.id,
      verdict: live.state,
      lastRoundAt: live.lastRoundAt,
      lastResults: [...live.lastResults.values()].sort((a, b) => a.region.localeCompare(b.region)),
      updatedAt: this.o.clock(),
    };
  }
}
