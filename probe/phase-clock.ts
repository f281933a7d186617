// Phase timing with one running clock: entering a phase closes the previous one, so the phases of
// a hop always add up to the hop's total, and the hops add up to the check's wall time. A phase
// the check never entered stays null (not 0): no TLS for http://, no resolve for an IP literal,
// nothing after the phase a check failed in. The time before the first phase entered (the gap
// since the previous hop) counts in that first phase. See README.md (Phase timings).
import { performance } from 'node:perf_hooks';
import type { Phase, Timings } from './types.ts';

/** The phases, in order, without `total`. */
export const PHASES: readonly Phase[] = ['resolve', 'connect', 'tls', 'processing', 'transfer'];

/** No phase happened yet; `total` always exists. */
export function emptyTimings(): Timings {
  return { resolve: null, connect: null, tls: null, processing: null, transfer: null, total: 0 };
}

export class HopClock {
  readonly timings: Timings = emptyTimings();
  /** The running phase; null until the first is entered. */
  phase: Phase | null = null;
  stopped = false;
  private mark: number;
  private readonly start: number;

  /** `start` is the previous hop's end (or the check's start), so gaps between hops are counted. */
  constructor(start: number) {
    this.start = start;
    this.mark = start;
  }

  enter(phase: Phase): void {
    if (this.phase !== null) {
      const now = performance.now();
      this.add(this.phase, now);
      this.mark = now;
    }
    this.phase = phase;
  }

  /** Closes the running phase; returns the end time (the next hop's start). */
  stop(): number {
    const now = performance.now();
    if (this.phase !== null) this.add(this.phase, now);
    this.mark = now;
    this.timings.total = now - this.start;
    this.stopped = true;
    return now;
  }

  private add(phase: Phase, now: number): void {
    this.timings[phase] = (this.timings[phase] ?? 0) + (now - this.mark);
  }
}

/** Adds a hop into the check's timings: a phase present in any hop is the sum of those hops. */
export function addTimings(into: Timings, hop: Timings): void {
  for (const key of PHASES) {
    const value = hop[key];
    if (value !== null) into[key] = (into[key] ?? 0) + value;
  }
  into.total += hop.total;
}

const round = (value: number): number => Math.round(value * 100) / 100;

/** Rounds to 0.01 ms for output; sums stay within rounding of total; absent phases stay null. */
export function roundTimings(timings: Timings): Timings {
  const rounded = emptyTimings();
  for (const key of PHASES) {
    const value = timings[key];
    rounded[key] = value === null ? null : round(value);
  }
  rounded.total = round(timings.total);
  return rounded;
}

/**
 * Timings as a runner reported them, made truthful. A missing or null phase is null. Runners
 * before null phases sent 0 for a phase that never happened; a 0 is therefore read as absent where
 * it cannot be a measurement: `connect`, `tls` and `processing` each take a network round trip
 * (far above the 0.01 ms a runner rounds to), and no phase after the one a check failed in can
 * have happened with a 0. A 0 `resolve` or `transfer` otherwise stays (a fast lookup, a response
 * that came in one read). A missing or unusable `total` is 0.
 */
export function reportedTimings(reported: unknown, failedIn: Phase | null | undefined): Timings {
  const given = (typeof reported === 'object' && reported !== null ? reported : {}) as Record<
    string,
    unknown
  >;
  const timings = emptyTimings();
  const failedAt = failedIn === null || failedIn === undefined ? -1 : PHASES.indexOf(failedIn);
  PHASES.forEach((key, index) => {
    const value = given[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    const neverZero = key === 'connect' || key === 'tls' || key === 'processing';
    if (value === 0 && (neverZero || (failedAt >= 0 && index > failedAt))) return;
    timings[key] = value;
  });
  const total = given.total;
  timings.total = typeof total === 'number' && Number.isFinite(total) ? total : 0;
  return timings;
}
