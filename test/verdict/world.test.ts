// The scheduler, the verdict and the impairment detector composed as the collector composes them.
import { describe, expect, it } from 'vitest';
import { makeSpec, REGIONS4, T0 } from './driver.ts';
import { World } from './world.ts';

const M = 60_000;

describe('a real outage through scheduler + verdict', () => {
  it('is down within the first failing check plus one answer, and the incident spans the failing checks', () => {
    const w = new World({ now: T0, live: REGIONS4 });
    w.add(makeSpec());
    const from = T0 + 10 * M;
    const to = T0 + 20 * M;
    w.target = (_id, _r, at) => at < from || at >= to;
    w.run(T0 + 40 * M);

    const checks = w.checksOf('shop');
    const failing = checks.filter((c) => !c.ok);
    const firstFailure = failing[0]!;
    const downAt = w.transitions.find((t) => t.to === 'down')!.at;
    // Verification runs at once, in parallel; three failing votes decide: one round trip.
    expect(downAt - firstFailure.at).toBeLessThanOrEqual(w.latency * 2);

    const opened = w.events.find((e) => e.type === 'opened')!;
    const resolved = w.events.find((e) => e.type === 'resolved')!;
    expect(opened.start).toBe(firstFailure.at);
    expect(resolved.end).toBe(failing[failing.length - 1]!.at);
    expect(resolved.failedChecks).toBe(failing.length);
    expect(w.state('shop').state).toBe('up');

    // While down: a round every minute from all 4 regions.
    const downRounds = w.items.filter((i) => i.type === 'round' && i.round.purpose === 'down-round');
    expect(downRounds.length).toBeGreaterThanOrEqual(9);
    for (const r of downRounds) if (r.type === 'round') expect([...r.regions].sort()).toEqual(REGIONS4);
    const dues = downRounds.map((r) => (r.type === 'round' ? r.due : 0));
    for (let i = 1; i < dues.length; i++) expect(dues[i]! - dues[i - 1]!).toBe(M);
    expect(checks.some((c) => c.purpose === 'recovery' || c.purpose === 'down-round')).toBe(true);
    // Scheduled checks again after recovery, once per interval.
    const after = checks.filter((c) => c.purpose === 'scheduled' && c.at > resolved.at);
    for (let i = 1; i < after.length; i++) expect(after[i]!.at - after[i - 1]!.at).toBe(M);
  });

  it('only r3 failing: no incident, its failures unconfirmed', () => {
    const w = new World({ now: T0, live: REGIONS4 });
    w.add(makeSpec({ flapping: false }));
    w.target = (_id, region) => region !== 'r3';
    w.run(T0 + 15 * M);
    const failing = w.checksOf('shop').filter((c) => !c.ok);
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.every((c) => c.region === 'r3' && c.marks.includes('unconfirmed'))).toBe(true);
    expect(w.events).toEqual([]);
  });

  it('a runner that loses its job mid-lease: the job expires as missed, no false down', () => {
    const w = new World({ now: T0, live: REGIONS4 });
    w.add(makeSpec());
    // r1 never answers (its runner died holding the lease); everyone else sees the site up.
    w.target = (_id, region) => (region === 'r1' ? null : true);
    w.run(T0 + 30 * M);
    expect(w.items.some((i) => i.type === 'expired')).toBe(true);
    expect(w.events).toEqual([]);
    expect(w.state('shop').state).toBe('up');
    // The monitor keeps being checked after each expiry.
    expect(w.checksOf('shop').filter((c) => c.purpose === 'scheduled').length).toBeGreaterThanOrEqual(15);
  });

  it('no live runner in its regions: missed rounds with a status note, never down', () => {
    const w = new World({ now: T0, live: ['elsewhere'] });
    w.add(makeSpec({ regions: ['r1', 'r2'] }));
    w.target = () => false;
    w.run(T0 + 10 * M);
    expect(w.checks).toEqual([]);
    expect(w.state('shop')).toMatchObject({ state: 'pending', note: 'no runner in regions r1, r2' });
    expect(w.events).toEqual([]);
  });

  it('a single-region monitor is confirmed by re-checks 5 s apart', () => {
    const w = new World({ now: T0, live: REGIONS4 });
    w.add(makeSpec({ regions: ['r2'] }));
    const from = T0 + 5 * M;
    w.target = (_id, _r, at) => at < from;
    w.run(T0 + 8 * M);
    const verify = w.checksOf('shop').filter((c) => c.purpose === 'verify');
    expect(verify.length).toBe(2);
    expect(verify.every((c) => c.region === 'r2')).toBe(true);
    const first = w.checksOf('shop').find((c) => !c.ok)!;
    expect(verify[0]!.at - first.at).toBeGreaterThanOrEqual(5000);
    expect(verify[1]!.at - verify[0]!.at).toBeGreaterThanOrEqual(5000);
    expect(w.state('shop').state).toBe('down');
  });
});

describe('an impaired region', () => {
  it('one region broken for every monitor: impaired once, no monitor incident, its votes set aside', () => {
    const w = new World({ now: T0, live: REGIONS4, seed: 5 });
    for (let i = 0; i < 12; i++) w.add(makeSpec({ id: `m${i}` }));
    const brokenFrom = T0 + 5 * M;
    const fixedAt = T0 + 60 * M;
    w.target = (_id, region, at) => !(region === 'r3' && at >= brokenFrom && at < fixedAt);
    w.run(T0 + 40 * M);

    expect(w.regionEvents.map((e) => [e.type, e.region])).toEqual([['opened', 'r3']]);
    const impairedAt = w.regionEvents[0]!.at;
    expect(impairedAt - brokenFrom).toBeLessThan(15 * M);
    expect(w.events).toEqual([]);
    expect(w.detector.impaired()).toEqual(['r3']);
    // Before: failures verified and voted down; after: set aside, no verification at all.
    const r3 = w.checks.filter((c) => c.region === 'r3' && !c.ok);
    expect(r3.filter((c) => c.at < impairedAt).every((c) => c.marks.includes('unconfirmed'))).toBe(true);
    const later = r3.filter((c) => c.at > impairedAt);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((c) => c.marks.includes('impaired'))).toBe(true);
    expect(w.checks.some((c) => c.purpose === 'verify' && c.region === 'r3' && c.at > impairedAt)).toBe(
      false,
    );

    // Region healed: results from it succeed again, the mark is lifted with one resolved event.
    w.run(T0 + 90 * M);
    expect(w.regionEvents.map((e) => [e.type, e.region])).toEqual([
      ['opened', 'r3'],
      ['resolved', 'r3'],
    ]);
    expect(w.detector.impaired()).toEqual([]);
    expect(w.events).toEqual([]);
  });
});
