// Bring a Driver into a given state through the real machine (no hand-built states).
import { expect } from 'vitest';
import type { Driver } from './driver.ts';

export const TRANSITIONS = [
  'pending->up',
  'pending->verifying',
  'up->verifying',
  'up->flapping',
  'verifying->up',
  'verifying->down',
  'verifying->flapping',
  'down->recovering',
  'recovering->up',
  'recovering->down',
  'flapping->verifying',
  'flapping->up',
  'pending->paused',
  'up->paused',
  'verifying->paused',
  'down->paused',
  'recovering->paused',
  'flapping->paused',
  'paused->pending',
] as const;

export function toUp(d: Driver): Driver {
  d.scheduled('r1', true);
  d.advance(60_000);
  return d;
}

/** r3 fails, r1 and r2 confirm (down), r4's late failure still counts. */
export function toDown(d: Driver): Driver {
  toUp(d);
  d.scheduled('r3', false);
  d.advance(500).answer('r1', false);
  d.advance(100).answer('r2', false);
  d.advance(100).answer('r4', false);
  expect(d.name).toBe('down');
  d.advance(60_000);
  return d;
}

/** A down round of 3 whose majority succeeds with one success after the last failure. */
export function toRecovering(d: Driver): Driver {
  toDown(d);
  const round = d.downRound(3);
  d.vote(round, 'r1', true);
  d.vote(round, 'r2', false);
  d.vote(round, 'r3', true);
  expect(d.name).toBe('recovering');
  return d;
}

export function toVerifying(d: Driver): Driver {
  toUp(d);
  d.scheduled('r3', false);
  expect(d.name).toBe('verifying');
  return d;
}

/** Outcomes of `n` checks (true = ok, first ok) whose result changes exactly at the given 1-based checks. */
export function withChangesAt(n: number, changes: readonly number[]): boolean[] {
  const out: boolean[] = [];
  let ok = true;
  for (let i = 1; i <= n; i++) {
    if (changes.includes(i)) ok = !ok;
    out.push(ok);
  }
  return out;
}

export const ISSUE_CHANGES = [3, 4, 8, 9, 13, 14, 18, 19, 21];

/** The issue's flapping example: 21 scheduled checks rotating over r1..r4, verifications pass. */
export function toFlapping(d: Driver): Driver {
  const regions = ['r1', 'r2', 'r3', 'r4'];
  d.run(
    withChangesAt(21, ISSUE_CHANGES),
    (i) => regions[i % 4]!,
    () => true,
  );
  expect(d.name).toBe('flapping');
  return d;
}
