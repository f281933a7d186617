// Test driver for the verdict: feeds events one by one with a fake clock, keeps what came out,
// and answers the verdict's own dispatches by region. No mocks: every step runs the real machine.

import { mulberry32, type RegionView } from '../../collector/domain/regions.ts';
import type { Dispatch, MissedReason, RoundRef } from '../../collector/domain/rounds.ts';
import { initialState, step } from '../../collector/verdict/machine.ts';
import type {
  IncidentEvent,
  MonitorState,
  ResultMark,
  StateName,
  Transition,
  VerdictEvent,
  VerdictOutput,
  VerdictSpec,
  Vote,
} from '../../collector/verdict/types.ts';
import type { FailureReason } from '../../probe/types.ts';

export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
export const REGIONS4 = ['r1', 'r2', 'r3', 'r4'];

export function makeSpec(overrides: Partial<VerdictSpec> = {}): VerdictSpec {
  return {
    id: 'shop',
    interval: 60_000,
    timeout: 10_000,
    regions: REGIONS4,
    confirm: { regions: 3 },
    recover: { checks: 3 },
    flapping: { window: 21, low: 25, high: 50 },
    paused: false,
    maintenance: [],
    ...overrides,
  };
}

interface OpenJob {
  dispatch: Dispatch;
  region: string;
  jobId: string;
}

export class Driver {
  spec: VerdictSpec;
  state: MonitorState;
  now: number;
  regions: RegionView;
  rng = mulberry32(7);
  outputs: VerdictOutput[] = [];
  events: IncidentEvent[] = [];
  marks: ResultMark[] = [];
  transitions: Transition[] = [];
  /** Jobs the verdict dispatched and nobody answered yet. */
  open: OpenJob[] = [];
  #job = 0;

  constructor(
    spec: VerdictSpec = makeSpec(),
    opts: { now?: number; live?: string[]; impaired?: string[] } = {},
  ) {
    this.spec = spec;
    this.now = opts.now ?? T0;
    this.state = initialState(this.now);
    this.regions = { live: opts.live ?? spec.regions ?? REGIONS4, impaired: opts.impaired ?? [] };
  }

  get name(): StateName {
    return this.state.state;
  }

  get last(): VerdictOutput {
    return this.outputs[this.outputs.length - 1]!;
  }

  nextJobId(): string {
    this.#job += 1;
    return `j${this.#job}`;
  }

  step(event: VerdictEvent): VerdictOutput {
    const out = step({
      spec: this.spec,
      state: this.state,
      regions: this.regions,
      event,
      now: this.now,
      rng: this.rng,
    });
    // The machine never mutates its input: what it returns is a new object.
    this.state = out.state;
    this.outputs.push(out);
    this.events.push(...out.events);
    this.marks.push(...out.marks);
    this.transitions.push(...out.transitions);
    for (const d of out.dispatch) {
      for (const region of d.regions) this.open.push({ dispatch: d, region, jobId: this.nextJobId() });
    }
    return out;
  }

  advance(ms: number): this {
    this.now += ms;
    return this;
  }

  at(t: number): this {
    this.now = t;
    return this;
  }

  vote(
    round: RoundRef,
    region: string,
    ok: boolean,
    opts: { jobId?: string; at?: number; reason?: FailureReason } = {},
  ) {
    const vote: Vote = {
      jobId: opts.jobId ?? this.nextJobId(),
      round,
      region,
      runner: `${region}-runner`,
      ok,
      reason: ok ? null : (opts.reason ?? 'status'),
      at: opts.at ?? this.now,
    };
    return { vote, out: this.step({ type: 'result', vote }) };
  }

  /** A scheduled check (a periodic round of one job) from `region`. */
  scheduled(region: string, ok: boolean, opts: { reason?: FailureReason } = {}) {
    const round: RoundRef = { id: `${this.spec.id}@${this.now}`, purpose: 'scheduled', size: 1 };
    return this.vote(round, region, ok, opts);
  }

  /** Answer the oldest open job the verdict dispatched to `region`. */
  answer(region: string, ok: boolean, opts: { reason?: FailureReason } = {}) {
    const i = this.open.findIndex((j) => j.region === region);
    if (i < 0) throw new Error(`no open job in ${region}; open: ${this.open.map((j) => j.region).join(',')}`);
    const job = this.open.splice(i, 1)[0]!;
    return this.vote(job.dispatch.round, region, ok, { jobId: job.jobId, reason: opts.reason });
  }

  /** The oldest open job for `region` never ran. */
  miss(region: string, reason: MissedReason = 'lease_expired') {
    const i = this.open.findIndex((j) => j.region === region);
    if (i < 0) throw new Error(`no open job in ${region}`);
    const job = this.open.splice(i, 1)[0]!;
    return this.step({
      type: 'missed',
      missed: { jobId: job.jobId, round: job.dispatch.round, region, reason, message: null },
    });
  }

  /** Regions of the jobs still open, in dispatch order. */
  openRegions(): string[] {
    return this.open.map((j) => j.region);
  }

  /** A periodic down round the scheduler would start now. */
  downRound(size = 4): RoundRef {
    return { id: `${this.spec.id}@${this.now}`, purpose: 'down-round', size };
  }

  tick() {
    return this.step({ type: 'tick' });
  }

  eventsOf(type: IncidentEvent['type'], kind?: IncidentEvent['kind']): IncidentEvent[] {
    return this.events.filter((e) => e.type === type && (kind === undefined || e.kind === kind));
  }

  /** Feed scheduled checks: true = ok. Failures in up go through verification answered by `verify`. */
  run(outcomes: readonly boolean[], regionAt: (i: number) => string, verify: (region: string) => boolean) {
    outcomes.forEach((ok, i) => {
      this.scheduled(regionAt(i), ok);
      // Answer every dispatched job (late answers to a decided round included, as in reality).
      while (this.open.length > 0) {
        const job = this.open[0]!;
        this.answer(job.region, verify(job.region));
      }
      this.advance(this.spec.interval);
    });
  }
}
