// Region health: the view the scheduler and the verdict get (regions with a live runner, the
// impaired ones), the impairment detector fed with check outcomes and evaluated, and region
// incidents continued across a restart instead of opened twice (ARCHITECTURE.md "Engine").
import type { IncidentRecord, RecentCheck } from '../store/runtime-types.ts';
import type { RegionEvent } from '../verdict/impairment.ts';
import type { EngineState } from './state.ts';

/** Hands the scheduler a new region view when live or impaired regions changed. */
export function refreshView(st: EngineState): void {
  const live = st.o.registry.liveRegions();
  const impaired = st.detector.impaired();
  const same =
    live.length === st.regionView.live.length &&
    live.every((r, i) => r === st.regionView.live[i]) &&
    impaired.length === st.regionView.impaired.length &&
    impaired.every((r, i) => r === st.regionView.impaired[i]);
  if (same) return;
  st.regionView = { live, impaired };
  st.scheduler.setRegions(st.regionView);
}

/** At start: recent checks replayed into the detector; region incidents stored as open kept. */
export function restoreRegions(
  st: EngineState,
  recent: readonly RecentCheck[],
  openRegions: readonly IncidentRecord[],
): void {
  for (const c of recent) {
    const live = st.byHistory.get(c.historyId);
    if (live) st.detector.record({ monitorId: live.id, region: c.region, ok: c.ok, at: c.startedAt });
  }
  st.restoredRegions = new Map(openRegions.filter((i) => i.region !== null).map((i) => [i.region!, i]));
}

export function evaluateRegions(st: EngineState, now: number): void {
  const events = st.detector.evaluate(now);
  const restored = st.restoredRegions;
  for (const e of events) {
    const previous = restored?.get(e.region);
    if (e.type === 'opened' && previous) {
      // The same impairment as before the restart: continue its incident, no second one.
      st.regionAlias.set(e.incidentId, previous.id);
      restored!.delete(e.region);
      continue;
    }
    const incidentId = st.regionAlias.get(e.incidentId) ?? e.incidentId;
    if (e.type === 'resolved') st.regionAlias.delete(e.incidentId);
    regionEvent(st, { ...e, incidentId });
  }
  if (restored) {
    // Impairments stored as open that the evidence no longer shows: they ended.
    for (const inc of restored.values()) {
      regionEvent(st, {
        type: 'resolved',
        kind: 'region',
        region: inc.region!,
        incidentId: inc.id,
        start: inc.start,
        end: inc.lastFailure,
        at: now,
        candidates: 0,
        failing: 0,
        ratio: 0,
        monitors: [],
      });
    }
    st.restoredRegions = null;
  }
  if (events.length > 0) refreshView(st);
}

function regionEvent(st: EngineState, e: RegionEvent): void {
  st.o.log.warn(
    { region: e.region, incident: e.incidentId, failing: e.failing, candidates: e.candidates },
    e.type === 'opened' ? 'region impaired' : 'region healthy again',
  );
  st.buffer.event({ source: 'region', event: e });
}
