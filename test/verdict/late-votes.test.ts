// Late votes: a result that arrives after the deadline of the round it answers (a runner cut off
// from the collector delivering what it buffered) is no vote, in any state. Pure, with a clock.
import { describe, expect, it } from 'vitest';
import { type RoundRef, roundDeadline } from '../../collector/domain/rounds.ts';
import type { Vote } from '../../collector/verdict/types.ts';
import { Driver, makeSpec } from './driver.ts';

const spec = makeSpec({ regions: ['r1', 'r2', 'r3'], confirm: { regions: 2 }, recover: { checks: 2 } });

/** A vote for a one-job round due at `due`, arriving at the driver's `now`. */
function voteFor(d: Driver, round: RoundRef, due: number, region: string, ok: boolean): Vote {
  return {
    jobId: d.nextJobId(),
    round,
    region,
    runner: `${region}-runner`,
    ok,
    reason: ok ? null : 'status',
    at: due,
    deadline: roundDeadline(due, d.spec.timeout),
  };
}

function scheduledRound(due: number): RoundRef {
  return { id: `shop@${due}`, purpose: 'scheduled', size: 1 };
}

describe('late votes', () => {
  it('a failure of a scheduled round whose deadline passed neither starts a verification nor changes up', () => {
    const d = new Driver(spec);
    d.scheduled('r1', true);
    expect(d.name).toBe('up');
    const due = d.now;
    const before = d.state;
    d.at(roundDeadline(due, spec.timeout) + 1);
    const out = d.step({ type: 'result', vote: voteFor(d, scheduledRound(due), due, 'r1', false) });
    expect(out.state).toEqual(before);
    expect(out.dispatch).toEqual([]);
    expect(out.events).toEqual([]);
    expect(out.transitions).toEqual([]);
  });

  it('the same failure before its deadline does start a verification (the rule is the deadline, not the age)', () => {
    const d = new Driver(spec);
    d.scheduled('r1', true);
    const due = d.now;
    d.at(roundDeadline(due, spec.timeout));
    d.step({ type: 'result', vote: voteFor(d, scheduledRound(due), due, 'r1', false) });
    expect(d.name).toBe('verifying');
  });

  it('late failures of a verification that was decided without them do not confirm it', () => {
    const d = new Driver(spec);
    d.scheduled('r1', true);
    d.advance(spec.interval);
    d.scheduled('r1', false);
    expect(d.name).toBe('verifying');
    const verifyJobs = [...d.open];
    expect(verifyJobs.length).toBe(2);
    // Nobody answers: at the deadline the round is inconclusive and the monitor goes back to up.
    d.at(verifyJobs[0]!.dispatch.deadline).tick();
    expect(d.name).toBe('up');
    // The cut-off runners now deliver two failures for that round.
    d.advance(1);
    for (const job of verifyJobs) {
      const vote: Vote = {
        jobId: job.jobId,
        round: job.dispatch.round,
        region: job.region,
        runner: `${job.region}-runner`,
        ok: false,
        reason: 'status',
        at: job.dispatch.at,
        deadline: job.dispatch.deadline,
      };
      const out = d.step({ type: 'result', vote });
      expect(out.transitions).toEqual([]);
      expect(out.events).toEqual([]);
    }
    expect(d.name).toBe('up');
    expect(d.eventsOf('opened')).toEqual([]);
  });

  it('a late success of a down round does not start recovering', () => {
    const d = new Driver(makeSpec({ regions: ['r1'], confirm: { regions: 0 }, recover: { checks: 2 } }));
    d.scheduled('r1', false);
    expect(d.name).toBe('down');
    d.advance(60_000);
    const due = d.now;
    const round = d.downRound(1);
    const before = d.state;
    // Its only job answers after the round's deadline.
    d.at(roundDeadline(due, d.spec.timeout) + 1);
    const out = d.step({ type: 'result', vote: voteFor(d, round, due, 'r1', true) });
    expect(out.transitions).toEqual([]);
    expect(d.state).toEqual(before);
    // On time, the same answer would have: the rule is the deadline.
    const onTime = new Driver(d.spec);
    onTime.scheduled('r1', false);
    onTime.advance(60_000);
    onTime.vote(onTime.downRound(1), 'r1', true);
    expect(onTime.name).toBe('recovering');
  });
});
