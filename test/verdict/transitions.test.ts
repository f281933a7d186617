// Every transition of the verdict, table-driven, each reached through the real machine.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../collector/domain/regions.ts';
import { roundDeadline } from '../../collector/domain/rounds.ts';
import { cadenceOf, RECHECK_DELAY, step } from '../../collector/verdict/machine.ts';
import type { StateName } from '../../collector/verdict/types.ts';
import { Driver, makeSpec, T0 } from './driver.ts';
import {
  ISSUE_CHANGES,
  TRANSITIONS,
  toDown,
  toFlapping,
  toRecovering,
  toUp,
  toVerifying,
  withChangesAt,
} from './reach.ts';

const M = 60_000;

interface Row {
  label: string;
  from: StateName;
  to: StateName;
  setup: (d: Driver) => void;
  act: (d: Driver) => void;
}

const pause = (d: Driver) => {
  d.spec = { ...d.spec, paused: true };
  d.tick();
};

const ROWS: Row[] = [
  {
    label: 'first check ok',
    from: 'pending',
    to: 'up',
    setup: () => {},
    act: (d) => d.scheduled('r1', true),
  },
  {
    label: 'first check fails',
    from: 'pending',
    to: 'verifying',
    setup: () => {},
    act: (d) => d.scheduled('r2', false),
  },
  { label: 'a check fails', from: 'up', to: 'verifying', setup: toUp, act: (d) => d.scheduled('r2', false) },
  {
    label: 'score enters [low, high] (the window just filled)',
    from: 'up',
    to: 'flapping',
    setup: (d) => {
      const regions = ['r1', 'r2', 'r3', 'r4'];
      d.run(
        withChangesAt(21, ISSUE_CHANGES).slice(0, 20),
        (i) => regions[i % 4]!,
        () => true,
      );
    },
    act: (d) => d.scheduled('r1', false),
  },
  {
    label: 'verification votes it down (not a majority)',
    from: 'verifying',
    to: 'up',
    setup: toVerifying,
    act: (d) => {
      d.answer('r1', true);
      d.answer('r2', true);
    },
  },
  {
    label: 'verification confirms (majority fails)',
    from: 'verifying',
    to: 'down',
    setup: toVerifying,
    act: (d) => {
      d.answer('r1', false);
      d.answer('r4', false);
    },
  },
  {
    label: 'verification of a failure above high, not confirmed',
    from: 'verifying',
    to: 'flapping',
    setup: (d) => {
      toFlapping(d);
      d.advance(M).scheduled('r1', true);
      d.advance(M).scheduled('r4', false);
    },
    act: (d) => {
      for (const r of d.openRegions()) if (d.name === 'verifying') d.answer(r, true);
    },
  },
  {
    label: 'a down round whose majority succeeds',
    from: 'down',
    to: 'recovering',
    setup: toDown,
    act: (d) => {
      const round = d.downRound(3);
      d.vote(round, 'r4', true);
      d.vote(round, 'r1', false);
      d.vote(round, 'r2', true);
    },
  },
  {
    label: 'recover.checks successes in a row from different regions',
    from: 'recovering',
    to: 'up',
    setup: toRecovering,
    act: (d) => {
      for (const r of d.openRegions()) d.answer(r, true);
    },
  },
  {
    label: 'a recovery check fails',
    from: 'recovering',
    to: 'down',
    setup: toRecovering,
    act: (d) => d.answer(d.openRegions()[0]!, false),
  },
  {
    label: 'a failure above high while flapping',
    from: 'flapping',
    to: 'verifying',
    setup: (d) => {
      toFlapping(d);
      d.advance(M).scheduled('r1', true);
    },
    act: (d) => d.advance(M).scheduled('r4', false),
  },
  {
    label: 'flapping detection turned off',
    from: 'flapping',
    to: 'up',
    setup: toFlapping,
    act: (d) => {
      d.spec = { ...d.spec, flapping: false };
      d.tick();
    },
  },
  {
    label: 'score below low on a success',
    from: 'flapping',
    to: 'up',
    setup: (d) => {
      toFlapping(d);
      for (let i = 0; i < 11; i++) d.advance(M).scheduled(['r1', 'r2', 'r3', 'r4'][i % 4]!, true);
    },
    act: (d) => d.advance(M).scheduled('r2', true),
  },
  { label: 'paused', from: 'pending', to: 'paused', setup: () => {}, act: pause },
  { label: 'paused', from: 'up', to: 'paused', setup: toUp, act: pause },
  { label: 'paused', from: 'verifying', to: 'paused', setup: toVerifying, act: pause },
  { label: 'paused', from: 'down', to: 'paused', setup: toDown, act: pause },
  { label: 'paused', from: 'recovering', to: 'paused', setup: toRecovering, act: pause },
  { label: 'paused', from: 'flapping', to: 'paused', setup: toFlapping, act: pause },
  {
    label: 'unpaused',
    from: 'paused',
    to: 'pending',
    setup: (d) => {
      toUp(d);
      pause(d);
    },
    act: (d) => {
      d.spec = { ...d.spec, paused: false };
      d.tick();
    },
  },
];

describe('verdict transitions', () => {
  it.each(ROWS.map((r) => [`${r.from} -> ${r.to}: ${r.label}`, r] as const))('%s', (_name, row) => {
    const d = new Driver(makeSpec());
    row.setup(d);
    expect(d.name).toBe(row.from);
    const before = d.transitions.length;
    row.act(d);
    expect(d.name).toBe(row.to);
    expect(d.transitions.slice(before).map((t) => `${t.from}->${t.to}`)).toContain(`${row.from}->${row.to}`);
  });

  it('the table covers every transition the machine has', () => {
    const covered = new Set(ROWS.map((r) => `${r.from}->${r.to}`));
    expect([...covered].sort()).toEqual([...TRANSITIONS].sort());
  });
});

describe('cadence and wake-up per state', () => {
  it.each([
    ['pending', (_d: Driver) => {}, { kind: 'periodic', purpose: 'scheduled', every: M, fanout: 1 }],
    ['up', toUp, { kind: 'periodic', purpose: 'scheduled', every: M, fanout: 1 }],
    ['verifying', toVerifying, { kind: 'hold' }],
    ['down', toDown, { kind: 'periodic', purpose: 'down-round', every: M, fanout: 4 }],
    ['recovering', toRecovering, { kind: 'hold' }],
    ['flapping', toFlapping, { kind: 'periodic', purpose: 'scheduled', every: M, fanout: 1 }],
  ] as const)('%s', (name, setup, cadence) => {
    const d = new Driver(makeSpec());
    setup(d);
    expect(d.name).toBe(name);
    expect(cadenceOf(d.spec, d.state)).toEqual(cadence);
  });

  it('down rounds run every min(interval, 1m)', () => {
    const d = new Driver(makeSpec({ interval: 5 * M }));
    toDown(d);
    expect(d.last.cadence).toEqual({ kind: 'periodic', purpose: 'down-round', every: M, fanout: 4 });
    const fast = new Driver(makeSpec({ interval: 30_000 }));
    toDown(fast);
    expect(fast.last.cadence).toMatchObject({ every: 30_000 });
  });

  it('asks for a tick at the open round deadline', () => {
    const d = new Driver(makeSpec());
    toUp(d);
    const { out } = d.scheduled('r3', false);
    expect(out.wakeAt).toBe(roundDeadline(d.now, d.spec.timeout));
    expect(out.dispatch[0]!.deadline).toBe(out.wakeAt);
  });
});

describe('verification details', () => {
  it('dispatches confirm.regions of the other regions, chosen at random', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const d = new Driver(makeSpec({ confirm: { regions: 2 } }));
      d.rng = mulberry32(seed);
      toUp(d);
      const { out } = d.scheduled('r3', false);
      const regions = out.dispatch[0]!.regions;
      expect(regions).toHaveLength(2);
      expect(regions).not.toContain('r3');
      expect(new Set(regions).size).toBe(2);
      seen.add([...regions].sort().join(','));
    }
    expect(seen.size).toBe(3);
  });

  it('fewer other live regions than confirm.regions: all of them', () => {
    const d = new Driver(makeSpec({ regions: ['a', 'b'] }), { live: ['a', 'b'] });
    d.scheduled('a', true);
    const { out } = d.advance(M).scheduled('b', false);
    expect(out.dispatch).toEqual([expect.objectContaining({ regions: ['a'] })]);
    d.answer('a', false);
    expect(d.name).toBe('down');
  });

  it('only regions with a live runner are asked; with none left the region re-checks itself', () => {
    const d = new Driver(makeSpec(), { live: ['r3'] });
    const { out } = d.scheduled('r3', false);
    expect(out.dispatch).toEqual([expect.objectContaining({ regions: ['r3'], at: d.now + RECHECK_DELAY })]);
  });

  it('confirm.regions: 0 makes the first failure final', () => {
    const d = new Driver(makeSpec({ confirm: { regions: 0 } }));
    toUp(d);
    const { out } = d.scheduled('r2', false);
    expect(d.name).toBe('down');
    expect(out.dispatch).toEqual([]);
    expect(out.transitions).toEqual([
      { from: 'up', to: 'verifying' },
      { from: 'verifying', to: 'down' },
    ]);
    expect(out.events[0]).toMatchObject({ type: 'opened', cause: 'confirmed', failedChecks: 1 });
  });

  it('a deadline tick decides with the votes cast (unanswered jobs are missed)', () => {
    const d = new Driver(makeSpec());
    toUp(d);
    d.scheduled('r3', false);
    d.answer('r1', false);
    const deadline = d.state.round!.deadline;
    d.at(deadline - 1).tick();
    expect(d.name).toBe('verifying');
    d.at(deadline).tick();
    // 2 failing of 2 cast.
    expect(d.name).toBe('down');
  });

  it('a deadline tick with only the first failure cast is inconclusive', () => {
    const d = new Driver(makeSpec());
    toUp(d);
    const { vote } = d.scheduled('r3', false);
    d.at(d.state.round!.deadline).tick();
    expect(d.name).toBe('up');
    expect(d.marks).toEqual([{ jobId: vote.jobId, mark: 'inconclusive' }]);
  });

  it('late failing answers of an unconfirmed round get the same mark', () => {
    const d = new Driver(makeSpec());
    toUp(d);
    d.scheduled('r3', false);
    d.answer('r1', true);
    d.answer('r2', true);
    expect(d.name).toBe('up');
    const late = d.answer('r4', false);
    expect(late.out.marks).toEqual([{ jobId: late.vote.jobId, mark: 'unconfirmed' }]);
    expect(d.name).toBe('up');
  });

  it('duplicate answers are ignored', () => {
    const d = new Driver(makeSpec());
    toUp(d);
    d.scheduled('r3', false);
    const { vote } = d.answer('r1', false);
    d.step({ type: 'result', vote });
    d.step({ type: 'result', vote });
    expect(d.name).toBe('verifying');
    expect(d.state.round!.votes).toHaveLength(2);
  });

  it('a failure while verifying from a stale scheduled round does not count', () => {
    const d = new Driver(makeSpec());
    toVerifying(d);
    d.scheduled('r2', false);
    expect(d.state.round!.votes).toHaveLength(1);
    expect(d.name).toBe('verifying');
  });
});

describe('down and recovering details', () => {
  it('a down round with a failing majority: ongoing with its votes, as soon as it is certain', () => {
    const d = new Driver(makeSpec());
    toDown(d);
    const round = d.downRound(4);
    d.vote(round, 'r1', false);
    d.vote(round, 'r2', true);
    expect(d.last.events).toEqual([]);
    // 1 success, 2 failures, 1 pending: the success can no longer be a majority.
    d.vote(round, 'r3', false);
    expect(d.name).toBe('down');
    expect(d.last.events).toEqual([
      expect.objectContaining({ type: 'ongoing', cause: 'failing', failedChecks: 4 + 2 }),
    ]);
    expect(d.last.events[0]!.votes.map((v) => v.region)).toEqual(['r1', 'r2', 'r3']);
    // The late fourth answer still extends the incident.
    d.vote(round, 'r4', false);
    expect(d.last.events).toEqual([]);
    expect(d.state.incident!.failedChecks).toBe(4 + 3);
  });

  it('a tied down round is not a majority: still down', () => {
    const d = new Driver(makeSpec());
    toDown(d);
    const round = d.downRound(4);
    for (const [r, ok] of [
      ['r1', true],
      ['r2', false],
      ['r3', true],
      ['r4', false],
    ] as const)
      d.vote(round, r, ok);
    expect(d.name).toBe('down');
  });

  it('an unfinished down round is closed by the next one', () => {
    const d = new Driver(makeSpec());
    toDown(d);
    const r1 = d.downRound(4);
    d.vote(r1, 'r1', true);
    d.vote(r1, 'r2', true);
    const r2 = d.advance(M).downRound(4);
    // The first round ends with 2 of 2 succeeding: recovering, and the new round is no longer one.
    d.vote(r2, 'r3', true);
    expect(d.name).toBe('recovering');
  });

  it('entering recovering dispatches the missing successes from regions not in the streak', () => {
    const d = new Driver(makeSpec());
    toRecovering(d);
    const dispatch = d.outputs[d.outputs.length - 1]!.dispatch;
    expect(dispatch).toHaveLength(1);
    expect(dispatch[0]!.round.purpose).toBe('recovery');
    expect(dispatch[0]!.regions).toHaveLength(2);
    expect(dispatch[0]!.regions).not.toContain('r3');
    expect(d.state.streak.map((v) => v.region)).toEqual(['r3']);
  });

  it('recovering resolves the incident with end = last failing check', () => {
    const d = new Driver(makeSpec());
    toDown(d);
    const t = d.now;
    const round = d.downRound(3);
    d.vote(round, 'r1', true);
    d.vote(round, 'r2', false, { at: t });
    d.vote(round, 'r3', true);
    for (const r of d.openRegions()) d.advance(1000).answer(r, true);
    expect(d.name).toBe('up');
    const [resolved] = d.eventsOf('resolved');
    expect(resolved).toMatchObject({ cause: 'recovered', end: t, start: d.eventsOf('opened')[0]!.start });
  });

  it('a recovery failure returns to down with the same incident', () => {
    const d = new Driver(makeSpec());
    toRecovering(d);
    const id = d.state.incident!.id;
    const before = d.state.incident!.failedChecks;
    const { vote } = d.answer(d.openRegions()[0]!, false);
    expect(d.name).toBe('down');
    expect(d.state.incident).toMatchObject({ id, failedChecks: before + 1, lastFailure: vote.at });
    expect(d.last.events).toEqual([expect.objectContaining({ type: 'ongoing', cause: 'recovery_failed' })]);
  });

  it('recovery jobs all missed: asked again, 5 s later', () => {
    const d = new Driver(makeSpec());
    toRecovering(d);
    const regions = d.openRegions();
    for (const r of regions) d.miss(r);
    expect(d.name).toBe('recovering');
    expect(d.last.dispatch).toEqual([expect.objectContaining({ at: d.now + RECHECK_DELAY })]);
  });

  it('recovering with no live region waits a down period, then asks again', () => {
    const d = new Driver(makeSpec());
    toDown(d);
    d.regions = { live: ['r1', 'r2', 'r3'], impaired: [] };
    const round = d.downRound(3);
    d.vote(round, 'r1', true);
    d.vote(round, 'r2', false);
    d.vote(round, 'r3', true);
    for (const r of d.openRegions()) d.miss(r, 'no_runner');
    d.regions = { live: [], impaired: [] };
    d.tick();
    d.at(d.state.round!.deadline).tick();
    expect(d.state.note).toBe('no runner in regions r1, r2, r3, r4');
    expect(d.last.dispatch).toEqual([]);
    expect(d.last.wakeAt).toBe(d.now + M);
    d.regions = { live: ['r4'], impaired: [] };
    d.at(d.last.wakeAt!).tick();
    expect(d.last.dispatch).toEqual([expect.objectContaining({ regions: ['r4'] })]);
  });

  it('fewer live regions than recover.checks: every region must appear, repeats fill the rest', () => {
    const d = new Driver(makeSpec({ regions: ['a', 'b'], confirm: { regions: 1 } }), { live: ['a', 'b'] });
    d.scheduled('a', false);
    d.answer('b', false);
    expect(d.name).toBe('down');
    const round = d.advance(M).downRound(2);
    d.vote(round, 'a', true);
    d.vote(round, 'b', true);
    expect(d.name).toBe('recovering');
    // Two distinct regions seen; the third success repeats one (not the last one), 5 s later.
    expect(d.last.dispatch).toEqual([expect.objectContaining({ regions: ['a'], at: d.now + RECHECK_DELAY })]);
    d.advance(RECHECK_DELAY).answer('a', true);
    expect(d.name).toBe('up');
  });
});

describe('paused, removed, impaired, input', () => {
  it('pausing resolves an open incident and ignores results', () => {
    const d = new Driver(makeSpec());
    toDown(d);
    pause(d);
    expect(d.last.events).toEqual([expect.objectContaining({ type: 'resolved', cause: 'paused' })]);
    expect(d.last.cadence).toEqual({ kind: 'hold' });
    d.scheduled('r1', false);
    expect(d.name).toBe('paused');
    expect(d.last.dispatch).toEqual([]);
  });

  it('unpausing starts again at pending with an empty window', () => {
    const d = new Driver(makeSpec());
    toFlapping(d);
    pause(d);
    d.spec = { ...d.spec, paused: false };
    d.tick();
    expect(d.name).toBe('pending');
    expect(d.state.window).toEqual([]);
    expect(d.last.cadence).toMatchObject({ kind: 'periodic', purpose: 'scheduled' });
  });

  it('a removed monitor resolves its incident', () => {
    const d = new Driver(makeSpec());
    toDown(d);
    d.step({ type: 'removed' });
    expect(d.last.events).toEqual([expect.objectContaining({ type: 'resolved', cause: 'removed' })]);
    expect(d.last.cadence).toEqual({ kind: 'hold' });
  });

  it('votes from an impaired region are set aside and marked', () => {
    const d = new Driver(makeSpec(), { impaired: ['r3'] });
    toUp(d);
    const { out, vote } = d.scheduled('r3', false);
    expect(d.name).toBe('up');
    expect(out.marks).toEqual([{ jobId: vote.jobId, mark: 'impaired' }]);
    expect(d.state.window).toHaveLength(1);
    // Verification never asks an impaired region.
    const v = d.scheduled('r1', false);
    expect(v.out.dispatch[0]!.regions.sort()).toEqual(['r2', 'r4']);
  });

  it("an impaired region's votes still count when it is all the monitor has", () => {
    const d = new Driver(makeSpec({ regions: ['r3'] }), { live: ['r1', 'r3'], impaired: ['r3'] });
    d.scheduled('r3', false);
    expect(d.name).toBe('verifying');
  });

  it('never mutates its input state', () => {
    const d = new Driver(makeSpec());
    toVerifying(d);
    const frozen = structuredClone(d.state);
    step({
      spec: d.spec,
      state: d.state,
      regions: d.regions,
      now: d.now,
      rng: d.rng,
      event: {
        type: 'result',
        vote: {
          jobId: 'x',
          round: d.open[0]!.dispatch.round,
          region: 'r1',
          runner: null,
          ok: false,
          reason: 'status',
          at: d.now,
        },
      },
    });
    expect(d.state).toEqual(frozen);
  });

  it('the state survives a JSON round trip', () => {
    const d = new Driver(makeSpec());
    toRecovering(d);
    d.state = JSON.parse(JSON.stringify(d.state));
    for (const r of d.openRegions()) d.answer(r, true);
    expect(d.name).toBe('up');
  });

  it('since is the time of the transition', () => {
    const d = new Driver(makeSpec(), { now: T0 });
    d.at(T0 + 5000).scheduled('r1', true);
    expect(d.state.since).toBe(T0 + 5000);
    d.at(T0 + 9000).scheduled('r2', true);
    expect(d.state.since).toBe(T0 + 5000);
  });
});
