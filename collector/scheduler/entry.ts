// A monitor as the scheduler holds it, and the pure parts of its schedule: when its next periodic
// round falls (stable slots, a first round within a minute), and the items for rounds that cannot
// run or for the verdict's one-shot dispatches (ARCHITECTURE.md "Scheduler").
import { noRunnerMessage } from '../domain/regions.ts';
import { type Cadence, type Dispatch, type RoundRef, roundDeadline } from '../domain/rounds.ts';
import { nextSlot } from './slots.ts';
import type { SchedulerItem, SchedulerMonitor } from './types.ts';

/** First rounds of new monitors spread over at most this much time. */
const FIRST_ROUND_SPREAD = 60_000;

export interface InFlight {
  round: RoundRef;
  due: number;
  deadline: number;
  remaining: number;
}

export type HeapValue =
  | { kind: 'periodic'; id: string }
  | { kind: 'wake'; id: string }
  | { kind: 'once'; d: Dispatch };

export interface Entry {
  m: SchedulerMonitor;
  /** Heap key and value of the periodic entry (built once: fresh strings cost a hash per lookup). */
  key: string;
  tag: HeapValue;
  frac: number;
  cadence: Cadence;
  lastRegion: string | null;
  inflight: InFlight | null;
  /** Due time of the last periodic round started (slots are never reused). */
  lastDue: number | null;
  oneShots: Set<string>;
  /** SchedulerMonitor.catchUp, until its first periodic round (or miss) is out. */
  catchUp: boolean;
}

export const periodicKey = (id: string) => `p\u0000${id}`;
export const wakeKey = (id: string) => `w\u0000${id}`;

export function defaultCadence(m: SchedulerMonitor): Cadence {
  return m.paused
    ? { kind: 'hold' }
    : { kind: 'periodic', purpose: 'scheduled', every: m.interval, fanout: 1 };
}

export function sameCadence(a: Cadence, b: Cadence): boolean {
  if (a.kind === 'hold' || b.kind === 'hold') return a.kind === b.kind;
  return a.purpose === b.purpose && a.every === b.every && a.fanout === b.fanout;
}

/**
 * The monitor's next slot for a round every `every` ms at or after `now`, never one that already
 * ran; `first` (a new or unpaused monitor) also allows the first slot of the spread minute; a
 * monitor taken over (`catchUp`) that missed a slot gets `now`.
 */
export function nextRoundAt(entry: Entry, every: number, now: number, first: boolean): number {
  // Taken over with a slot missed meanwhile (or none known): the missed round runs now.
  if (entry.catchUp && (entry.lastDue === null || now - entry.lastDue >= every)) return now;
  const offset = Math.floor(entry.frac * every);
  // Never reuse a slot that already ran.
  const from = entry.lastDue === null ? now : Math.max(now, entry.lastDue + 1);
  let at = nextSlot(from, every, offset);
  if (first) {
    const spread = Math.min(every, FIRST_ROUND_SPREAD);
    at = Math.min(at, nextSlot(from, spread, Math.floor(entry.frac * spread)));
  }
  return at;
}

/** A job (region set) or a whole round (region null) that has no runner to go to. */
export function noRunnerItem(
  monitorId: string,
  due: number,
  round: RoundRef,
  region: string | null,
  configured: readonly string[] | null,
): SchedulerItem {
  return {
    type: 'missed',
    monitorId,
    due,
    missed: { jobId: null, round, region, reason: 'no_runner', message: noRunnerMessage(configured) },
  };
}

/** A verdict dispatch now due: a round in its live regions, a miss for each region without one. */
export function onceItems(
  d: Dispatch,
  live: ReadonlySet<string>,
  timeout: number,
  now: number,
): SchedulerItem[] {
  const items: SchedulerItem[] = [];
  const ok = d.regions.filter((r) => live.has(r));
  for (const r of d.regions) {
    if (live.has(r)) continue;
    items.push(noRunnerItem(d.monitorId, d.at, d.round, r, [r]));
  }
  if (ok.length > 0) {
    items.push({
      type: 'round',
      monitorId: d.monitorId,
      round: d.round,
      regions: ok,
      due: d.at,
      deadline: Math.max(d.deadline, roundDeadline(now, timeout)),
    });
  }
  return items;
}
