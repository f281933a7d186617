// A simulated collector: the real Scheduler, verdict and ImpairmentDetector wired together the way
// the collector wires them, with a fake clock and a target function instead of runners. This is
// the reference loop for the I/O wiring; tests use it to check that the pure parts compose.

import { mulberry32, type Rng } from '../../collector/domain/regions.ts';
import type { CheckPurpose, RoundRef } from '../../collector/domain/rounds.ts';
import { Scheduler } from '../../collector/scheduler/scheduler.ts';
import type { SchedulerItem } from '../../collector/scheduler/types.ts';
import { ImpairmentDetector, type RegionEvent } from '../../collector/verdict/impairment.ts';
import { initialState, step } from '../../collector/verdict/machine.ts';
import type {
  IncidentEvent,
  Mark,
  MonitorState,
  Transition,
  VerdictEvent,
  VerdictSpec,
} from '../../collector/verdict/types.ts';

export interface StoredCheck {
  jobId: string;
  monitorId: string;
  region: string;
  purpose: CheckPurpose;
  ok: boolean;
  at: number;
  marks: Mark[];
}

interface Job {
  jobId: string;
  monitorId: string;
  round: RoundRef;
  region: string;
  periodic: boolean;
  answered: boolean;
}

interface Delivery {
  at: number;
  job: Job;
  ok: boolean | null;
  startedAt: number;
}

/** ok? for a check of `monitorId` from `region` started at `at`; null = the job is lost (never answers). */
export type Target = (monitorId: string, region: string, at: number) => boolean | null;

export class World {
  now: number;
  rng: Rng;
  scheduler: Scheduler;
  detector: ImpairmentDetector;
  live: string[];
  specs = new Map<string, VerdictSpec>();
  states = new Map<string, MonitorState>();
  checks: StoredCheck[] = [];
  events: IncidentEvent[] = [];
  regionEvents: RegionEvent[] = [];
  transitions: Array<Transition & { monitorId: string; at: number }> = [];
  items: SchedulerItem[] = [];
  latency = 300;
  evaluateEvery = 10_000;
  target: Target = () => true;
  #jobs = new Map<string, Job>();
  #queue: Delivery[] = [];
  #jobSeq = 0;
  #nextEvaluate: number;

  constructor(opts: { now: number; live: string[]; seed?: number }) {
    this.now = opts.now;
    this.live = [...opts.live];
    this.rng = mulberry32(opts.seed ?? 1);
    this.scheduler = new Scheduler({ clock: () => this.now, rng: this.rng });
    this.detector = new ImpairmentDetector();
    this.scheduler.setRegions({ live: this.live, impaired: [] });
    this.#nextEvaluate = this.now + this.evaluateEvery;
  }

  get view() {
    return { live: this.live, impaired: this.detector.impaired() };
  }

  setLive(live: string[]): void {
    this.live = [...live];
    this.scheduler.setRegions(this.view);
  }

  add(spec: VerdictSpec): void {
    this.specs.set(spec.id, spec);
    this.states.set(spec.id, initialState(this.now));
    this.scheduler.upsert({
      id: spec.id,
      interval: spec.interval,
      timeout: spec.timeout,
      regions: spec.regions,
      paused: spec.paused,
    });
  }

  state(id: string): MonitorState {
    return this.states.get(id)!;
  }

  #verdict(id: string, event: VerdictEvent): void {
    const spec = this.specs.get(id)!;
    const out = step({
      spec,
      state: this.states.get(id)!,
      regions: this.view,
      event,
      now: this.now,
      rng: this.rng,
    });
    this.states.set(id, out.state);
    for (const t of out.transitions) this.transitions.push({ ...t, monitorId: id, at: this.now });
    this.events.push(...out.events);
    for (const m of out.marks) this.checks.find((c) => c.jobId === m.jobId)?.marks.push(m.mark);
    this.scheduler.setCadence(id, out.cadence);
    for (const d of out.dispatch) this.scheduler.enqueue(d);
    this.scheduler.wake(id, out.wakeAt);
  }

  #start(item: Extract<SchedulerItem, { type: 'round' }>): void {
    const periodic = item.round.purpose === 'scheduled' || item.round.purpose === 'down-round';
    for (const region of item.regions) {
      this.#jobSeq += 1;
      const job: Job = {
        jobId: `job-${this.#jobSeq}`,
        monitorId: item.monitorId,
        round: item.round,
        region,
        periodic,
        answered: false,
      };
      this.#jobs.set(job.jobId, job);
      const ok = this.target(item.monitorId, region, this.now);
      this.#queue.push({ at: this.now + this.latency, job, ok, startedAt: this.now });
    }
  }

  #handle(item: SchedulerItem): void {
    this.items.push(item);
    switch (item.type) {
      case 'round':
        this.#start(item);
        return;
      case 'missed':
        this.#verdict(item.monitorId, { type: 'missed', missed: item.missed });
        return;
      case 'wake':
        this.#verdict(item.monitorId, { type: 'tick' });
        return;
      case 'expired':
        for (const job of this.#jobs.values()) {
          if (job.round.id !== item.round.id || job.answered) continue;
          job.answered = true;
          this.#verdict(job.monitorId, {
            type: 'missed',
            missed: {
              jobId: job.jobId,
              round: job.round,
              region: job.region,
              reason: 'lease_expired',
              message: null,
            },
          });
        }
        return;
    }
  }

  #deliver(d: Delivery): void {
    const { job } = d;
    if (job.answered || d.ok === null) return;
    job.answered = true;
    this.checks.push({
      jobId: job.jobId,
      monitorId: job.monitorId,
      region: job.region,
      purpose: job.round.purpose,
      ok: d.ok,
      at: d.startedAt,
      marks: [],
    });
    this.detector.record({ monitorId: job.monitorId, region: job.region, ok: d.ok, at: d.startedAt });
    if (job.periodic) this.scheduler.report(job.monitorId, job.round.id);
    this.#verdict(job.monitorId, {
      type: 'result',
      vote: {
        jobId: job.jobId,
        round: job.round,
        region: job.region,
        runner: `${job.region}-1`,
        ok: d.ok,
        reason: d.ok ? null : 'status',
        at: d.startedAt,
      },
    });
  }

  run(until: number): void {
    for (;;) {
      this.#queue.sort((a, b) => a.at - b.at);
      const candidates = [
        this.scheduler.nextAt() ?? Infinity,
        this.#queue[0]?.at ?? Infinity,
        this.#nextEvaluate,
      ];
      const next = Math.min(...candidates);
      if (next > until) break;
      this.now = Math.max(this.now, next);
      while (this.#queue.length > 0 && this.#queue[0]!.at <= this.now) this.#deliver(this.#queue.shift()!);
      for (const item of this.scheduler.due(this.now)) this.#handle(item);
      if (this.now >= this.#nextEvaluate) {
        const events = this.detector.evaluate(this.now);
        this.regionEvents.push(...events);
        if (events.length > 0) this.scheduler.setRegions(this.view);
        this.#nextEvaluate = this.now + this.evaluateEvery;
      }
    }
    this.now = until;
  }

  checksOf(id: string): StoredCheck[] {
    return this.checks.filter((c) => c.monitorId === id).sort((a, b) => a.at - b.at);
  }
}
