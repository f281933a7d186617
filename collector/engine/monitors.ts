// The live monitors: loaded at start, and brought in line with the stored monitors after every
// sync (create / update / rename / replace / delete / pause, by lineage). Each one is interned,
// registered with the scheduler and stepped once so its cadence and wake-up are set
// (ARCHITECTURE.md "Engine").
import type { JobSpec } from '../../runner/protocol.ts';
import type { MonitorSpec } from '../../schema/types.ts';
import type { RuntimeMonitorRecord, StoredState } from '../store/runtime-types.ts';
import { initialState } from '../verdict/machine.ts';
import type { EngineState } from './state.ts';
import { stepMonitor } from './step.ts';
import type { Live } from './types.ts';

/**
 * At start: every stored monitor goes live with its stored state; orphaned states are dropped.
 * Returns how many lineages had a stored state.
 */
export function restoreMonitors(
  st: EngineState,
  monitors: readonly RuntimeMonitorRecord[],
  states: readonly StoredState[],
): number {
  const stored = new Map(states.map((s) => [s.historyId, s]));
  // Sharing the store, a collector starts with shards a dead one held (taken once expired): their
  // missed rounds run at once, as on a later takeover. Alone, a restart keeps the slots.
  const shared = st.o.store.cluster.shared;
  for (const m of monitors) {
    if (!st.owns(m.record.historyId)) continue;
    const state = stored.get(m.record.historyId);
    addMonitor(st, m, state ?? null, shared && state !== undefined);
  }
  // States of lineages no longer current (deleted while nobody reconciled) go; those of monitors
  // another collector schedules stay.
  const current = new Set(monitors.map((m) => m.record.historyId));
  for (const s of states) if (!current.has(s.historyId)) st.buffer.dropState(s.historyId);
  return stored.size;
}

/**
 * `catchUp`: gained through a shard move, so a round its previous collector missed runs at once
 * rather than at the next slot (ARCHITECTURE.md "Cluster").
 */
function addMonitor(
  st: EngineState,
  m: RuntimeMonitorRecord,
  stored: StoredState | null,
  catchUp = false,
): void {
  const { record } = m;
  const now = st.o.clock();
  let state = stored?.verdict ?? initialState(now);
  if (state.round && state.round.deadline > now) {
    // Its jobs were lost with the previous process: they count as missed now.
    state = { ...state, round: { ...state.round, deadline: now } };
  }
  const spec = st.interner.intern(record.spec);
  const live: Live = {
    historyId: record.historyId,
    id: record.id,
    record: { ...record, spec },
    spec,
    jobSpec: toJobSpec(spec),
    secrets: m.secrets,
    state,
    lastRoundAt: stored?.lastRoundAt ?? null,
    lastResults: new Map((stored?.lastResults ?? []).map((r) => [r.region, r])),
  };
  st.byId.set(live.id, live);
  st.byHistory.set(live.historyId, live);
  // A round started but never answered (its collector died meanwhile) is no check: taking over,
  // the last answered one says whether a slot was missed.
  let last = live.lastRoundAt;
  if (catchUp && last !== null && live.lastResults.size > 0) {
    last = Math.min(last, Math.max(...[...live.lastResults.values()].map((r) => r.at)));
  }
  upsertScheduler(st, live, catchUp, last);
  stepMonitor(st, live, { type: 'tick' });
}

function upsertScheduler(st: EngineState, live: Live, catchUp = false, last = live.lastRoundAt): void {
  st.scheduler.upsert({
    id: live.id,
    interval: live.spec.interval,
    timeout: live.spec.timeout,
    regions: live.spec.regions,
    paused: live.spec.paused,
    lastRoundAt: last,
    catchUp,
  });
}

/**
 * A monitor whose shard went to another collector: off the schedule and the queue, its state kept
 * (the caller flushes it before the lease is given up), nothing resolved.
 */
function releaseMonitor(st: EngineState, live: Live): void {
  st.scheduler.remove(live.id);
  st.detector.forget(live.id);
  st.counts.missed.cancelled += st.queue.cancelMonitor(live.historyId).length;
  if (st.byId.get(live.id) === live) st.byId.delete(live.id);
  st.byHistory.delete(live.historyId);
}

function removeMonitor(st: EngineState, live: Live): void {
  stepMonitor(st, live, { type: 'removed' });
  st.scheduler.remove(live.id);
  st.detector.forget(live.id);
  st.counts.missed.cancelled += st.queue.cancelMonitor(live.historyId).length;
  if (st.byId.get(live.id) === live) st.byId.delete(live.id);
  st.byHistory.delete(live.historyId);
  st.buffer.dropState(live.historyId);
}

/**
 * One reconciliation: new lineages start pending, changed ones get their new spec (cadence,
 * regions, pause, secrets) at once, renamed ones keep state and history, deleted (or replaced)
 * ones resolve what is open and stop.
 */
export async function reconcileMonitors(st: EngineState): Promise<void> {
  if (!st.started || st.stopped) return;
  // Versions first (no specs): only new and changed lineages are loaded in full.
  const all = await st.o.store.runtime.loadMonitorVersions();
  // Shards that moved since the last pass: monitors gained start from their stored state (as at
  // start), those lost leave the schedule with theirs kept and flushed.
  const moved = st.shardsMoved;
  st.shardsMoved = false;
  const versions = all.filter((v) => st.owns(v.historyId));
  const wanted = versions
    .filter((v) => {
      const live = st.byHistory.get(v.historyId);
      return (
        !live ||
        live.record.revision !== v.revision ||
        live.record.specHash !== v.specHash ||
        live.id !== v.id
      );
    })
    .map((v) => v.historyId);
  const monitors = wanted.length > 0 ? await st.o.store.runtime.loadMonitors(wanted) : [];
  const gained = monitors.filter((m) => !st.byHistory.has(m.record.historyId));
  const stored =
    moved && gained.length > 0
      ? new Map((await st.o.store.runtime.loadStates()).map((s) => [s.historyId, s]))
      : new Map<number, StoredState>();
  if (st.stopped) return;
  const current = new Set(all.map((v) => v.historyId));
  const owned = new Set(versions.map((v) => v.historyId));
  let released = 0;
  for (const live of [...st.byHistory.values()]) {
    if (!current.has(live.historyId)) removeMonitor(st, live);
    else if (!owned.has(live.historyId)) {
      releaseMonitor(st, live);
      released += 1;
    }
  }
  const changed: Array<{ live: Live; m: RuntimeMonitorRecord }> = [];
  for (const m of monitors) {
    const live = st.byHistory.get(m.record.historyId);
    if (live) {
      changed.push({ live, m });
      if (live.id !== m.record.id) {
        // Renamed: off the old id everywhere first (another monitor may be taking it).
        st.scheduler.remove(live.id);
        st.detector.forget(live.id);
        if (st.byId.get(live.id) === live) st.byId.delete(live.id);
      }
    }
  }
  for (const { live, m } of changed) {
    const renamed = live.id !== m.record.id;
    const spec = st.interner.intern(m.record.spec);
    live.id = m.record.id;
    live.record = { ...m.record, spec };
    live.spec = spec;
    live.jobSpec = toJobSpec(spec);
    live.secrets = m.secrets;
    st.byId.set(live.id, live);
    upsertScheduler(st, live);
    if (renamed) st.o.log.info({ monitor: live.id }, 'monitor renamed: state and history kept');
    stepMonitor(st, live, { type: 'tick' });
  }
  for (const m of monitors) {
    if (st.byHistory.has(m.record.historyId)) continue;
    // A stored state means another collector ran it (a lineage new to the store starts fresh).
    const state = stored.get(m.record.historyId);
    addMonitor(st, m, state ?? null, state !== undefined);
  }
  // The state of released monitors is in the store before their lease is given up.
  if (released > 0) await st.buffer.flush();
}

/** The part of a spec a runner needs to run the check (the wire form of a job). */
function toJobSpec(spec: MonitorSpec): JobSpec {
  return {
    url: spec.url,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    keywords: spec.keywords,
    forbidden_keywords: spec.forbidden_keywords,
    assertions: spec.assertions,
    timeout: spec.timeout,
    follow_redirects: spec.follow_redirects,
    tls: spec.tls,
    http: spec.http,
    ip: spec.ip,
  };
}
