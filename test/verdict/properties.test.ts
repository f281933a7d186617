// Property tests: random configurations and random event sequences through the real machine.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IncidentEvent, VerdictOutput, VerdictSpec } from '../../collector/verdict/types.ts';
import { Driver, makeSpec } from './driver.ts';
import { TRANSITIONS } from './reach.ts';

const ALL_REGIONS = ['a', 'b', 'c', 'd', 'e'];

const specArb = fc.record({
  regions: fc.integer({ min: 1, max: 5 }),
  confirm: fc.integer({ min: 0, max: 4 }),
  recover: fc.integer({ min: 1, max: 4 }),
  flapping: fc.oneof(
    fc.constant(false as const),
    fc
      .record({
        window: fc.integer({ min: 5, max: 9 }),
        low: fc.integer({ min: 5, max: 40 }),
        gap: fc.integer({ min: 5, max: 40 }),
      })
      .map(({ window, low, gap }) => ({ window, low, high: low + gap })),
  ),
});

const actionArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('scheduled' as const), region: fc.nat(4), ok: fc.boolean() }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('answer' as const), pick: fc.nat(5), ok: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('miss' as const), pick: fc.nat(5) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('downRound' as const),
      start: fc.nat(4),
      oks: fc.array(fc.oneof(fc.boolean(), fc.constant(null)), { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 200_000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('missedScheduled' as const) }) },
);

type Action = typeof actionArb extends fc.Arbitrary<infer A> ? A : never;

function setup(cfg: {
  regions: number;
  confirm: number;
  recover: number;
  flapping: VerdictSpec['flapping'];
}) {
  const regions = ALL_REGIONS.slice(0, cfg.regions);
  const spec = makeSpec({
    regions,
    confirm: { regions: cfg.confirm },
    recover: { checks: cfg.recover },
    flapping: cfg.flapping,
  });
  return new Driver(spec, { live: regions });
}

/** Apply one random action; returns the outputs it produced and whether it was a miss. */
function apply(
  d: Driver,
  a: Action,
): { outs: VerdictOutput[]; missed: boolean; failingVotes: number; okVotes: number; okRegions: string[] } {
  const regions = d.spec.regions!;
  const before = d.outputs.length;
  let missed = false;
  let failingVotes = 0;
  let okVotes = 0;
  const okRegions: string[] = [];
  d.advance(1000);
  switch (a.kind) {
    case 'scheduled':
      d.scheduled(regions[a.region % regions.length]!, a.ok);
      if (a.ok) okRegions.push(regions[a.region % regions.length]!);
      else failingVotes++;
      break;
    case 'answer':
      if (d.open.length > 0) {
        const region = d.open[a.pick % d.open.length]!.region;
        d.answer(region, a.ok);
        if (a.ok) okRegions.push(region);
        else failingVotes++;
      }
      break;
    case 'miss':
      if (d.open.length > 0) {
        d.miss(d.open[a.pick % d.open.length]!.region);
        missed = true;
      }
      break;
    case 'downRound': {
      const size = Math.min(a.oks.length, regions.length);
      const round = d.downRound(size);
      for (let i = 0; i < size; i++) {
        const region = regions[(a.start + i) % regions.length]!;
        const ok = a.oks[i]!;
        if (ok === null) {
          d.step({
            type: 'missed',
            missed: { jobId: `dm-${d.now}-${i}`, round, region, reason: 'lease_expired', message: null },
          });
        } else {
          d.vote(round, region, ok);
          if (ok) okRegions.push(region);
          else failingVotes++;
        }
      }
      break;
    }
    case 'tick':
      d.advance(a.ms).tick();
      break;
    case 'missedScheduled':
      d.step({
        type: 'missed',
        missed: {
          jobId: null,
          round: { id: `x@${d.now}`, purpose: 'scheduled', size: 0 },
          region: null,
          reason: 'no_runner',
          message: 'no runner in regions a',
        },
      });
      missed = true;
      break;
  }
  okVotes = okRegions.length;
  return { outs: d.outputs.slice(before), missed, failingVotes, okVotes, okRegions };
}

const allowed = new Set<string>(TRANSITIONS);

describe('verdict properties', () => {
  it('no sequence yields down without a majority of failing votes in the deciding round', () => {
    fc.assert(
      fc.property(specArb, fc.array(actionArb, { maxLength: 120 }), (cfg, actions) => {
        const d = setup(cfg);
        for (const a of actions) {
          const { outs } = apply(d, a);
          for (const out of outs) {
            for (const e of out.events) {
              if (e.type !== 'opened' || e.kind !== 'down' || e.cause === 'maintenance_ended') continue;
              const fails = e.votes.filter((v) => !v.ok).length;
              expect(fails * 2).toBeGreaterThan(e.votes.length);
              // Never on one vantage point's word, unless the config says the first failure is final.
              if (d.spec.confirm.regions > 0) expect(fails).toBeGreaterThanOrEqual(2);
            }
            // Down is only ever entered from verification (quorum) or a failed recovery.
            for (const t of out.transitions) {
              expect(allowed.has(`${t.from}->${t.to}`)).toBe(true);
            }
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('missed checks never count as failures', () => {
    fc.assert(
      fc.property(specArb, fc.array(actionArb, { maxLength: 120 }), (cfg, actions) => {
        const d = setup(cfg);
        for (const a of actions) {
          const before = d.state;
          const { outs, missed } = apply(d, a);
          if (!missed) continue;
          for (const out of outs) {
            // A miss can close a round (decided on the votes cast) but never starts a verification,
            // never adds a failure to an incident and never feeds the flapping window.
            expect(out.transitions.some((t) => t.to === 'verifying')).toBe(false);
            expect(out.state.window).toEqual(before.window);
            if (before.incident && out.state.incident?.id === before.incident.id) {
              expect(out.state.incident.failedChecks).toBe(before.incident.failedChecks);
            }
          }
          if (a.kind === 'missedScheduled') {
            expect({ ...d.state, note: null }).toEqual({ ...before, note: null });
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('incident events are consistent: one open incident at a time, resolved with end = last failure', () => {
    fc.assert(
      fc.property(specArb, fc.array(actionArb, { maxLength: 150 }), (cfg, actions) => {
        const d = setup(cfg);
        let open: IncidentEvent | null = null;
        for (const a of actions) {
          const { outs } = apply(d, a);
          for (const out of outs) {
            for (const e of out.events) {
              expect(e.start).toBeLessThanOrEqual(e.lastFailure);
              if (e.type === 'opened') {
                expect(open).toBeNull();
                open = e;
              } else {
                expect(open?.incidentId).toBe(e.incidentId);
                if (e.type === 'resolved') {
                  expect(e.end).toBe(e.lastFailure);
                  open = null;
                }
              }
            }
            const score = out.state.score;
            if (score !== null) {
              expect(score).toBeGreaterThanOrEqual(0);
              expect(score).toBeLessThanOrEqual(101);
            }
          }
          expect(d.state.incident?.id ?? null).toBe(open?.incidentId ?? null);
          // The state is plain data.
          expect(JSON.parse(JSON.stringify(d.state))).toEqual(d.state);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('recovering -> up needs recover.checks successes in a row from distinct regions', () => {
    fc.assert(
      fc.property(specArb, fc.array(actionArb, { maxLength: 150 }), (cfg, actions) => {
        const d = setup(cfg);
        const voting = d.spec.regions!.length;
        const need = d.spec.recover.checks;
        let recoveries = 0;
        for (const a of actions) {
          const before = d.state;
          const { outs, okRegions } = apply(d, a);
          if (!outs.some((o) => o.transitions.some((t) => t.from === 'recovering' && t.to === 'up')))
            continue;
          recoveries++;
          // What the machine can have counted: the streak it kept, plus this step's successes.
          const regions = [...before.streak.map((v) => v.region), ...okRegions];
          expect(regions.length).toBeGreaterThanOrEqual(need);
          expect(new Set(regions).size).toBeGreaterThanOrEqual(Math.min(need, voting));
          expect(d.eventsOf('resolved').at(-1)).toMatchObject({ cause: 'recovered' });
        }
        return recoveries >= 0;
      }),
      { numRuns: 300 },
    );
  });
});
