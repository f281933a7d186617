// The working state of one verdict step: its input, the state being changed and what the step
// emits. machine.ts creates one per step; the rule files (checks.ts, outcomes.ts) change it.
import type { Dispatch, IncidentEvent, MonitorState, ResultMark, Transition, VerdictInput } from './types.ts';

export interface Ctx {
  in: VerdictInput;
  s: MonitorState;
  now: number;
  dispatch: Dispatch[];
  events: IncidentEvent[];
  marks: ResultMark[];
  transitions: Transition[];
}
