// What the API reads from the engine: one monitor's live status, and the engine's figures for
// GET /v1/engine/stats and the scheduling benchmark.

import type { EngineState } from './state.ts';
import { memoryMb } from './stats.ts';
import { sortedResults } from './step.ts';
import type { EngineStats, MonitorStatus } from './types.ts';

export function monitorStatus(st: EngineState, id: string): MonitorStatus | undefined {
  const live = st.byId.get(id);
  if (!live) return undefined;
  const s = live.state;
  return {
    state: s.state,
    since: s.since,
    note: s.note,
    lastCheckAt: s.lastCheckAt,
    score: s.score,
    incident: s.incident,
    lastResults: sortedResults(live),
  };
}

export function engineStats(st: EngineState): EngineStats {
  const states: Record<string, number> = {};
  for (const live of st.byId.values()) states[live.state.state] = (states[live.state.state] ?? 0) + 1;
  const delay = st.loopDelay;
  return {
    now: st.o.clock(),
    monitors: st.byId.size,
    states,
    scheduler: st.scheduler.stats(),
    queue: st.queue.stats(),
    results: {
      accepted: st.counts.accepted,
      duplicates: st.counts.duplicates,
      rejected: st.counts.rejected,
    },
    missed: { ...st.counts.missed },
    requeued: st.counts.requeued,
    lateness: { periodic: st.lateness.periodic.snapshot(), oneShot: st.lateness.oneShot.snapshot() },
    flush: { ...st.buffer.stats, pending: st.buffer.pending },
    loop: {
      ticks: st.loop.ticks,
      maxTickMs: Math.round(st.loop.maxTickMs * 10) / 10,
      delayP99Ms: delay && delay.count > 0 ? Math.round(delay.percentile(99) / 1e4) / 100 : null,
      delayMaxMs: delay && delay.count > 0 ? Math.round(delay.max / 1e4) / 100 : null,
    },
    regions: st.regionView,
    memory: memoryMb(),
  };
}
