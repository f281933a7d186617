// Verdict steps: one event for one live monitor through the pure `step`, and what comes out
// applied: cadence, dispatches and wake-up to the scheduler, marks, incident events and the new
// state to the write buffer (saved write-behind, ARCHITECTURE.md "Engine").
import type { RegionResult, StoredState } from '../store/runtime-types.ts';
import { step } from '../verdict/machine.ts';
import type { VerdictEvent } from '../verdict/types.ts';
import type { EngineState } from './state.ts';
import type { Live } from './types.ts';

export function stepMonitor(st: EngineState, live: Live, event: VerdictEvent): void {
  const { clock, rng } = st.o;
  const out = step({
    spec: live.spec,
    state: live.state,
    regions: st.regionView,
    event,
    now: clock(),
    rng,
  });
  live.state = out.state;
  st.scheduler.setCadence(live.id, out.cadence);
  for (const d of out.dispatch) st.scheduler.enqueue(d);
  st.scheduler.wake(live.id, out.wakeAt);
  for (const m of out.marks) {
    st.buffer.mark(m.jobId, m.mark);
    for (const r of live.lastResults.values()) if (r.jobId === m.jobId) r.mark = m.mark;
  }
  for (const e of out.events) {
    st.o.log.info(
      { monitor: live.id, incident: e.incidentId, type: e.type, cause: e.cause, suppressed: e.suppressed },
      `incident ${e.type}`,
    );
    st.buffer.event({ source: 'monitor', historyId: live.historyId, event: e });
  }
  for (const t of out.transitions) st.o.log.debug({ monitor: live.id, from: t.from, to: t.to }, 'state');
  st.buffer.state(live.historyId, () => snapshot(st, live));
}

/** A live monitor's latest result per region, by region name. */
export function sortedResults(live: Live): RegionResult[] {
  return [...live.lastResults.values()].sort((a, b) => a.region.localeCompare(b.region));
}

function snapshot(st: EngineState, live: Live): StoredState {
  return {
    historyId: live.historyId,
    monitorId: live.id,
    verdict: live.state,
    lastRoundAt: live.lastRoundAt,
    lastResults: sortedResults(live),
    updatedAt: st.o.clock(),
  };
}
