// The verdict's public surface, for the collector wiring. Pure: no I/O, no clock, no timers.
//
//   step(input) -> output            the per-monitor state machine (machine.ts)
//   initialState(now), cadenceOf(spec, state), wakeAtOf(state), roundDeadline(at, timeout)
//   toVote(job, checkResult)         CheckResult -> Vote (vote.ts)
//   ImpairmentDetector               region impairment across monitors (impairment.ts)
//   flappingScore, inMaintenance, failingMajority/succeedingMajority (building blocks)
//
// Wiring loop (per monitor; what test/verdict/world.ts does with a fake clock):
//   scheduler item `round`   -> one job per region (job carries item.round); store the job
//   job result               -> store it; detector.record(...); if periodic scheduler.report(id, round.id);
//                               step({ event: { type: 'result', vote: toVote(job, result) } })
//   scheduler item `missed`  -> step({ event: { type: 'missed', missed: item.missed } })
//   scheduler item `expired` -> each unanswered job of item.round: step({ type: 'missed', ... lease_expired })
//   scheduler item `wake`    -> step({ event: { type: 'tick' } })
//   spec changed (sync)      -> scheduler.upsert(...); step({ event: { type: 'tick' } })
//   monitor deleted          -> step({ event: { type: 'removed' } }); scheduler.remove(id); detector.forget(id)
//   every step's output      -> persist out.state + out.events (outbox) + out.marks in one transaction;
//                               scheduler.setCadence(id, out.cadence); out.dispatch.forEach(scheduler.enqueue);
//                               scheduler.wake(id, out.wakeAt)
//   every ~10 s              -> detector.evaluate(now): region events; RegionView.impaired = detector.impaired()

export { flappingScore, pushWindow } from './flapping.ts';
export type { ImpairmentOptions, RegionEvent, RegionHealth, RegionObservation } from './impairment.ts';
export { IMPAIRMENT_DEFAULTS, ImpairmentDetector } from './impairment.ts';
export {
  cadenceOf,
  DOWN_FANOUT,
  DOWN_PERIOD_MAX,
  initialState,
  RECHECK_DELAY,
  ROUND_SLACK,
  roundDeadline,
  step,
  wakeAtOf,
} from './machine.ts';
export { inMaintenance } from './maintenance.ts';
export type { MajorityOutcome } from './quorum.ts';
export { failingMajority, succeedingMajority } from './quorum.ts';
export * from './types.ts';
export type { VoteJob } from './vote.ts';
export { toVote } from './vote.ts';
