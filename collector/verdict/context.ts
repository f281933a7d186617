// The working state of one verdict step: its input, the state being changed and what the step
// emits. machine.ts creates one per step; the rule files (events.ts, scheduled.ts, votes.ts,
// verification.ts, recovery.ts, incidents.ts) change it. `go` is the one way a state changes.
import type { Dispatch } from '../domain/rounds.ts';
import type {
  IncidentEvent,
  MonitorState,
  ResultMark,
  StateName,
  Transition,
  VerdictInput,
} from './types.ts';

export interface Ctx {
  in: VerdictInput;
  s: MonitorState;
  now: number;
  dispatch: Dispatch[];
  events: IncidentEvent[];
  marks: ResultMark[];
  transitions: Transition[];
}

/** Moves to state `to` (recorded as a transition, `since` = now); no-op when already there. */
export function go(ctx: Ctx, to: StateName): void {
  const s = ctx.s;
  if (s.state === to) return;
  ctx.transitions.push({ from: s.state, to });
  s.state = to;
  s.since = ctx.now;
}
