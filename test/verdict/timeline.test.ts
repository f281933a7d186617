// The reference timelines of the verdict, fed vote by vote with a fake clock.
import { describe, expect, it } from 'vitest';
import { Driver, makeSpec, T0 } from './driver.ts';

const S = 1000;
const M = 60 * S;

describe('reference timeline: a real outage seen from 4 regions', () => {
  it('goes up, verifying, down, stays down for 11 failing checks, recovers after r1, r2, r4', () => {
    const d = new Driver(makeSpec());
    const steps: Array<[string, string]> = [];
    const note = (label: string) => steps.push([label, d.name]);

    d.at(T0).scheduled('r1', true);
    note('up (r1)');
    d.at(T0 + 1 * M).scheduled('r2', true);
    note('up (r2)');

    const first = d.at(T0 + 2 * M).scheduled('r3', false, { reason: 'connect_refused' });
    note('failure from r3');
    // Verification: the three other live regions, in parallel, at once.
    expect(first.out.dispatch).toHaveLength(1);
    expect(first.out.dispatch[0]!.round.purpose).toBe('verify');
    expect([...first.out.dispatch[0]!.regions].sort()).toEqual(['r1', 'r2', 'r4']);
    expect(first.out.dispatch[0]!.at).toBe(T0 + 2 * M);
    expect(first.out.cadence).toEqual({ kind: 'hold' });

    d.at(T0 + 2 * M + 800).answer('r1', false);
    note('verify r1 fails');
    d.at(T0 + 2 * M + 900).answer('r2', false);
    // Three failing votes of four possible: certain majority, no need to wait for r4.
    note('verify r2 fails');
    d.at(T0 + 2 * M + 950).answer('r4', false);
    note('verify r4 fails');

    expect(d.last.cadence).toEqual({ kind: 'periodic', purpose: 'down-round', every: M, fanout: 4 });

    // Eleven more failing checks at the down cadence: two full rounds and three of a third round
    // (its r4 job is missed: no vote either way).
    let lastFailure = 0;
    for (let k = 0; k < 3; k++) {
      const t = T0 + (3 + k) * M;
      d.at(t);
      const round = d.downRound(4);
      const regions = k < 2 ? ['r1', 'r2', 'r3', 'r4'] : ['r3', 'r1', 'r2'];
      regions.forEach((r, i) => {
        d.at(t + 500 + i * 100).vote(round, r, false, { at: t });
        lastFailure = t;
      });
      if (k === 2) {
        d.step({
          type: 'missed',
          missed: { jobId: 'lost-r4', round, region: 'r4', reason: 'lease_expired', message: null },
        });
      }
      note(`down round ${k + 1}`);
    }

    // The next round: successes from r1, r2, r4; up after the third.
    const t = T0 + 6 * M;
    d.at(t);
    const round = d.downRound(4);
    d.at(t + 300).vote(round, 'r1', true, { at: t });
    note('success r1');
    d.at(t + 400).vote(round, 'r2', true, { at: t });
    note('success r2');
    d.at(t + 500).vote(round, 'r4', true, { at: t });
    note('success r4');

    expect(steps).toEqual([
      ['up (r1)', 'up'],
      ['up (r2)', 'up'],
      ['failure from r3', 'verifying'],
      ['verify r1 fails', 'verifying'],
      ['verify r2 fails', 'down'],
      ['verify r4 fails', 'down'],
      ['down round 1', 'down'],
      ['down round 2', 'down'],
      ['down round 3', 'down'],
      ['success r1', 'down'],
      ['success r2', 'down'],
      ['success r4', 'up'],
    ]);
    // The majority round passes through recovering; its trailing successes are the three in a row.
    expect(d.last.transitions).toEqual([
      { from: 'down', to: 'recovering' },
      { from: 'recovering', to: 'up' },
    ]);

    const opened = d.eventsOf('opened');
    const ongoing = d.eventsOf('ongoing');
    const resolved = d.eventsOf('resolved');
    expect(opened).toHaveLength(1);
    expect(ongoing).toHaveLength(3);
    expect(resolved).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      kind: 'down',
      cause: 'confirmed',
      start: T0 + 2 * M,
      reason: 'connect_refused',
      suppressed: false,
      incidentId: `shop:down:${T0 + 2 * M}`,
    });
    expect(opened[0]!.votes.map((v) => [v.region, v.ok])).toEqual([
      ['r3', false],
      ['r1', false],
      ['r2', false],
    ]);
    expect(resolved[0]).toMatchObject({
      kind: 'down',
      cause: 'recovered',
      incidentId: opened[0]!.incidentId,
      start: T0 + 2 * M,
      end: lastFailure,
      // r3, r1, r2, r4 (late, still counted) + 11.
      failedChecks: 15,
    });
    expect(lastFailure).toBe(T0 + 5 * M);
    expect(d.marks).toEqual([]);
    expect(d.state.incident).toBeNull();
    expect(d.last.cadence).toEqual({ kind: 'periodic', purpose: 'scheduled', every: M, fanout: 1 });
  });

  it('only r3 failing, the others up: no incident, one unconfirmed failure', () => {
    const d = new Driver(makeSpec());
    d.at(T0).scheduled('r1', true);
    d.at(T0 + M).scheduled('r2', true);
    const { vote } = d.at(T0 + 2 * M).scheduled('r3', false);
    expect(d.name).toBe('verifying');
    d.at(T0 + 2 * M + 500).answer('r1', true);
    expect(d.name).toBe('verifying');
    d.at(T0 + 2 * M + 600).answer('r2', true);
    // 1 failing of at most 4: the majority can no longer fail.
    expect(d.name).toBe('up');
    d.at(T0 + 2 * M + 700).answer('r4', true);
    expect(d.name).toBe('up');
    expect(d.events).toEqual([]);
    expect(d.marks).toEqual([{ jobId: vote.jobId, mark: 'unconfirmed' }]);
    expect(d.transitions).toEqual([
      { from: 'pending', to: 'up' },
      { from: 'up', to: 'verifying' },
      { from: 'verifying', to: 'up' },
    ]);
  });

  it('two of four failing is not a majority: up, both failures unconfirmed', () => {
    const d = new Driver(makeSpec());
    d.scheduled('r1', true);
    const { vote } = d.advance(M).scheduled('r3', false);
    d.answer('r1', true);
    d.answer('r2', false);
    expect(d.name).toBe('verifying');
    d.answer('r4', true);
    expect(d.name).toBe('up');
    const r2 = d.outputs[d.outputs.length - 2]!;
    expect(r2.state.round?.votes.map((v) => v.region)).toEqual(['r3', 'r1', 'r2']);
    expect(d.marks.map((m) => m.mark)).toEqual(['unconfirmed', 'unconfirmed']);
    expect(d.marks[0]!.jobId).toBe(vote.jobId);
    expect(d.events).toEqual([]);
  });
});

describe('single-region monitor', () => {
  const spec = makeSpec({ regions: ['eu'] });

  it('re-checks from its region 3 times, 5 s apart, and goes down on the majority', () => {
    const d = new Driver(spec, { live: ['eu'] });
    d.scheduled('eu', true);
    const t = d.now + M;
    const first = d.at(t).scheduled('eu', false);
    expect(d.name).toBe('verifying');
    expect(first.out.dispatch).toEqual([
      expect.objectContaining({
        regions: ['eu'],
        at: t + 5 * S,
        round: expect.objectContaining({ purpose: 'verify' }),
      }),
    ]);
    const r1 = d.at(t + 5 * S).answer('eu', false);
    // One at a time: the second re-check is asked 5 s after the first one's answer.
    expect(r1.out.dispatch).toEqual([expect.objectContaining({ regions: ['eu'], at: t + 10 * S })]);
    d.at(t + 10 * S).answer('eu', false);
    // 3 failing of at most 4 votes.
    expect(d.name).toBe('down');
    expect(d.eventsOf('opened')[0]).toMatchObject({ start: t, failedChecks: 3 });
    expect(d.open).toEqual([]);
  });

  it('two passing re-checks make the failure unconfirmed', () => {
    const d = new Driver(spec, { live: ['eu'] });
    d.scheduled('eu', true);
    d.advance(M).scheduled('eu', false);
    d.advance(5 * S).answer('eu', true);
    expect(d.name).toBe('verifying');
    d.advance(5 * S).answer('eu', true);
    expect(d.name).toBe('up');
    expect(d.marks.map((m) => m.mark)).toEqual(['unconfirmed']);
    expect(d.events).toEqual([]);
  });

  it('one failing and one passing re-check needs the third', () => {
    const d = new Driver(spec, { live: ['eu'] });
    d.scheduled('eu', false);
    d.advance(5 * S).answer('eu', false);
    d.advance(5 * S).answer('eu', true);
    expect(d.name).toBe('verifying');
    expect(d.openRegions()).toEqual(['eu']);
    d.advance(5 * S).answer('eu', false);
    expect(d.name).toBe('down');
  });

  it('recovers after recover.checks successes in a row from its one region', () => {
    const d = new Driver(spec, { live: ['eu'] });
    d.scheduled('eu', false);
    d.advance(5 * S).answer('eu', false);
    d.advance(5 * S).answer('eu', false);
    expect(d.name).toBe('down');
    const round = d.advance(M).downRound(1);
    d.vote(round, 'eu', true);
    expect(d.name).toBe('recovering');
    expect(d.last.dispatch).toEqual([expect.objectContaining({ regions: ['eu'], at: d.now + 5 * S })]);
    d.advance(5 * S).answer('eu', true);
    expect(d.name).toBe('recovering');
    d.advance(5 * S).answer('eu', true);
    expect(d.name).toBe('up');
    expect(d.eventsOf('resolved')).toHaveLength(1);
  });
});

describe('missed checks never count as failures', () => {
  it('a missed scheduled round changes nothing but the status note', () => {
    const d = new Driver(makeSpec());
    d.scheduled('r1', true);
    const before = d.state;
    d.advance(M).step({
      type: 'missed',
      missed: {
        jobId: null,
        round: { id: `shop@${d.now}`, purpose: 'scheduled', size: 0 },
        region: null,
        reason: 'no_runner',
        message: 'no runner in regions r1, r2, r3, r4',
      },
    });
    expect(d.state).toEqual({ ...before, note: 'no runner in regions r1, r2, r3, r4' });
    expect(d.last.transitions).toEqual([]);
    // The next counted result clears the note.
    d.advance(M).scheduled('r2', true);
    expect(d.state.note).toBeNull();
  });

  it('missed verification jobs are no votes: 1 failing + 1 passing of 2 cast is not down', () => {
    const d = new Driver(makeSpec());
    d.scheduled('r1', true);
    d.advance(M).scheduled('r3', false);
    d.miss('r1');
    d.answer('r2', true);
    d.miss('r4');
    expect(d.name).toBe('up');
    expect(d.events).toEqual([]);
  });

  it('every verification job missed: inconclusive, never down on one vantage point', () => {
    const d = new Driver(makeSpec());
    d.scheduled('r1', true);
    const { vote } = d.advance(M).scheduled('r3', false);
    d.miss('r1');
    d.miss('r2');
    expect(d.name).toBe('verifying');
    d.miss('r4');
    expect(d.name).toBe('up');
    expect(d.marks).toEqual([{ jobId: vote.jobId, mark: 'inconclusive' }]);
    expect(d.events).toEqual([]);
  });

  it('a missed down round leaves the monitor down, without an ongoing event', () => {
    const d = new Driver(makeSpec());
    d.scheduled('r3', false);
    d.answer('r1', false);
    d.answer('r2', false);
    expect(d.name).toBe('down');
    const round = d.advance(M).downRound(2);
    for (const r of ['r1', 'r2']) {
      d.step({
        type: 'missed',
        missed: { jobId: `x-${r}`, round, region: r, reason: 'no_runner', message: null },
      });
    }
    expect(d.name).toBe('down');
    expect(d.eventsOf('ongoing')).toEqual([]);
    expect(d.state.round).toBeNull();
  });
});
