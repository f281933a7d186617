// What the verdict asks of time: how often the scheduler runs a monitor's periodic rounds
// (cadenceOf), when the verdict wants a `tick` (wakeAtOf), and how far apart repeated checks
// from one region are (ARCHITECTURE.md "Verdict").
import { type Cadence, DOWN_PERIOD_MAX } from '../domain/rounds.ts';
import type { MonitorState, VerdictSpec } from './types.ts';

/** Single-region verification re-checks, and repeated recovery checks, are this far apart. */
export const RECHECK_DELAY = 5_000;
/** While down, a round asks up to this many regions. */
export const DOWN_FANOUT = 4;

export function cadenceOf(spec: VerdictSpec, state: MonitorState): Cadence {
  if (spec.paused) return { kind: 'hold' };
  switch (state.state) {
    case 'paused':
    case 'verifying':
    case 'recovering':
      return { kind: 'hold' };
    case 'down':
      return {
        kind: 'periodic',
        purpose: 'down-round',
        every: Math.min(spec.interval, DOWN_PERIOD_MAX),
        fanout: DOWN_FANOUT,
      };
    default:
      return { kind: 'periodic', purpose: 'scheduled', every: spec.interval, fanout: 1 };
  }
}

export function wakeAtOf(state: MonitorState): number | null {
  return state.round ? state.round.deadline : null;
}
