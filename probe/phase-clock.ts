// Phase timing with one running clock: entering a phase closes the previous one, so the phases of
// a hop always add up to the hop's total, and the hops add up to the check's wall time.
import { performance } from 'node:perf_hooks';
import type { Phase, Timings } from './types.ts';

export function zeroTimings(): Timings {
  return { resolve: 0, connect: 0, tls: 0, processing: 0, transfer: 0, total: 0 };
}

/** The fields of Timings, in output order. */
const TIMING_KEYS = Object.keys(zeroTimings()) as Array<keyof Timings>;

export class HopClock {
  readonly timings: Timings = zeroTimings();
  phase: Phase = 'resolve';
  stopped = false;
  private mark: number;
  private readonly start: number;

  /** `start` is the previous hop's end (or the check's start), so gaps between hops are counted. */
  constructor(start: number) {
    this.start = start;
    this.mark = start;
  }

  enter(phase: Phase): void {
    const now = performance.now();
    this.timings[this.phase] += now - this.mark;
    this.mark = now;
    this.phase = phase;
  }

  /** Closes the running phase; returns the end time (the next hop's start). */
  stop(): number {
    const now = performance.now();
    this.timings[this.phase] += now - this.mark;
    this.mark = now;
    this.timings.total = now - this.start;
    this.stopped = true;
    return now;
  }
}

export function addTimings(into: Timings, hop: Timings): void {
  for (const key of TIMING_KEYS) into[key] += hop[key];
}

/** Rounds to 0.01 ms for output; sums stay within rounding of total. */
export function roundTimings(timings: Timings): Timings {
  const rounded = zeroTimings();
  for (const key of TIMING_KEYS) rounded[key] = Math.round(timings[key] * 100) / 100;
  return rounded;
}
