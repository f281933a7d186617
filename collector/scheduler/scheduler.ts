// The scheduler's pure core: which monitor is due when, from which regions. No timers inside:
// an I/O wrapper calls `due()` when `nextAt()` comes (or every 100 ms) and turns the items into
// jobs on region queues. Every operation is O(log n) on an indexed min-heap holding one periodic
// entry per monitor plus pending one-shot dispatches and wake-ups, so 10,000 monitors cost
// nothing to keep.
//
// Timing: a monitor's periodic rounds fall on fixed slots, t ≡ offset (mod period) with a stable
// per-monitor offset from a hash of its id (slots.ts); the period is the cadence the verdict asks
// for (`interval`, or min(interval, 1m) while down). A monitor has at most one periodic round in
// flight: the next slot is taken only after the wiring `report`s every job of the round (result
// or miss) or the round's deadline passes (`expired`); slots that pass meanwhile are skipped.
// A new (or unpaused) monitor gets its first round within a minute, spread by the same hash,
// unless `lastRoundAt` says when it last ran (restart), in which case it keeps its slots. One taken
// over from another collector (`catchUp`) runs at once when a slot passed since then.
// The next slot and the items of one-shot dispatches are pure functions in entry.ts.
//
// Regions: a scheduled round goes to one random region of the monitor that has a live runner,
// never the previous one when two or more are live (impaired regions stay in the rotation: their
// results are stored and tell when the region is healthy again; the verdict sets their votes
// aside). A down round goes to up to `fanout` distinct live, preferably non-impaired, regions.
// No live region → a `missed` item with "no runner in regions X, Y" (never a vote for down).
// One-shot dispatches from the verdict are checked against live regions when due; a region
// without a runner by then yields a `missed` item for that job.
//
// API:
//   new Scheduler({ clock, rng })             (upsert/setCadence throw SchedulerError with a code
//                                             on a non-positive interval/period: a programming error)
//   setRegions({ live, impaired })           regions with a live runner (all monitors)
//   upsert(monitor: SchedulerMonitor)        add or change; paused monitors are not scheduled
//   remove(id)
//   setCadence(id, cadence)                  from the verdict's output (idempotent)
//   enqueue(dispatch)                        the verdict's verification/recovery checks
//   wake(id, at | null)                      the verdict's wakeAt: a `wake` item at that time
//   due(now?) -> SchedulerItem[]             everything due, in time order
//   report(id, roundId)                      one job of a periodic round answered (result or miss)
//   nextAt() -> number | null                earliest pending time, for the timer
//   lastRegion(id), stats()

import {
  monitorRegions,
  pickMany,
  pickOne,
  type RegionView,
  type Rng,
  votingRegions,
} from '../domain/regions.ts';
import {
  type Cadence,
  type Dispatch,
  DOWN_PERIOD_MAX,
  type RoundRef,
  roundDeadline,
} from '../domain/rounds.ts';
import {
  defaultCadence,
  type Entry,
  type HeapValue,
  nextRoundAt,
  noRunnerItem,
  onceItems,
  periodicKey,
  sameCadence,
  wakeKey,
} from './entry.ts';
import { IndexedMinHeap } from './heap.ts';
import { hashFraction } from './slots.ts';
import { SchedulerError, type SchedulerItem, type SchedulerMonitor, type SchedulerOptions } from './types.ts';

export class Scheduler {
  #clock: () => number;
  #rng: Rng;
  #heap = new IndexedMinHeap<HeapValue>();
  #monitors = new Map<string, Entry>();
  #view: RegionView = { live: [], impaired: [] };
  #skipped = 0;
  #onceSeq = 0;

  constructor(options: SchedulerOptions) {
    this.#clock = options.clock;
    this.#rng = options.rng;
  }

  setRegions(view: RegionView): void {
    this.#view = { live: [...view.live], impaired: [...view.impaired] };
  }

  get regions(): RegionView {
    return this.#view;
  }

  upsert(m: SchedulerMonitor): void {
    if (!(Number.isFinite(m.interval) && m.interval > 0 && Number.isFinite(m.timeout) && m.timeout >= 0)) {
      throw new SchedulerError(
        'VIGIL_SCHED_BAD_MONITOR',
        `monitor ${m.id}: interval must be > 0 and timeout >= 0 (ms), got ${m.interval} and ${m.timeout}`,
      );
    }
    const now = this.#clock();
    const existing = this.#monitors.get(m.id);
    if (!existing) {
      const entry: Entry = {
        m: { ...m },
        key: periodicKey(m.id),
        tag: { kind: 'periodic', id: m.id },
        frac: hashFraction(m.id),
        cadence: defaultCadence(m),
        lastRegion: null,
        inflight: null,
        lastDue: m.lastRoundAt ?? null,
        oneShots: new Set(),
        catchUp: m.catchUp === true,
      };
      this.#monitors.set(m.id, entry);
      this.#schedule(entry, now, m.lastRoundAt == null);
      return;
    }
    const wasPaused = existing.m.paused;
    existing.m = { ...m };
    if (m.paused) {
      existing.catchUp = false;
      this.#clearPending(existing);
      existing.cadence = { kind: 'hold' };
      return;
    }
    const c = existing.cadence;
    if (wasPaused || c.kind === 'hold') {
      // Unpaused: the verdict restarts at pending, which runs periodic scheduled rounds.
      existing.cadence = defaultCadence(m);
      if (!existing.inflight) this.#schedule(existing, now, wasPaused);
      return;
    }
    const every = c.purpose === 'scheduled' ? m.interval : Math.min(m.interval, DOWN_PERIOD_MAX);
    if (every !== c.every) {
      existing.cadence = { ...c, every };
      if (!existing.inflight) this.#schedule(existing, now, false);
    }
  }

  remove(id: string): void {
    const entry = this.#monitors.get(id);
    if (!entry) return;
    this.#clearPending(entry);
    this.#monitors.delete(id);
  }

  setCadence(id: string, cadence: Cadence): void {
    if (cadence.kind === 'periodic' && !(cadence.every > 0 && cadence.fanout >= 1)) {
      throw new SchedulerError(
        'VIGIL_SCHED_BAD_CADENCE',
        `monitor ${id}: cadence needs every > 0 and fanout >= 1`,
      );
    }
    const entry = this.#monitors.get(id);
    if (!entry || entry.m.paused) return;
    if (sameCadence(entry.cadence, cadence)) return;
    entry.cadence = cadence;
    // A round in flight finishes first; the new cadence applies when it is reported.
    if (!entry.inflight) this.#schedule(entry, this.#clock(), false);
  }

  enqueue(d: Dispatch): boolean {
    const entry = this.#monitors.get(d.monitorId);
    if (!entry || entry.m.paused) return false;
    const key = `o\u0000${d.monitorId}\u0000${this.#onceSeq++}`;
    entry.oneShots.add(key);
    this.#heap.set(key, d.at, { kind: 'once', d });
    return true;
  }

  wake(id: string, at: number | null): void {
    const entry = this.#monitors.get(id);
    if (!entry || at === null || entry.m.paused) {
      this.#heap.delete(wakeKey(id));
      return;
    }
    const current = this.#heap.get(wakeKey(id));
    if (current && current.at === at) return;
    this.#heap.set(wakeKey(id), at, { kind: 'wake', id });
  }

  nextAt(): number | null {
    return this.#heap.peekAt() ?? null;
  }

  lastRegion(id: string): string | null {
    return this.#monitors.get(id)?.lastRegion ?? null;
  }

  isInFlight(id: string): boolean {
    return this.#monitors.get(id)?.inflight != null;
  }

  stats(): { monitors: number; pending: number; inFlight: number; skippedSlots: number } {
    let inFlight = 0;
    for (const e of this.#monitors.values()) if (e.inflight) inFlight++;
    return { monitors: this.#monitors.size, pending: this.#heap.size, inFlight, skippedSlots: this.#skipped };
  }

  due(now: number = this.#clock()): SchedulerItem[] {
    const items: SchedulerItem[] = [];
    for (;;) {
      const at = this.#heap.peekAt();
      if (at === undefined || at > now) break;
      const top = this.#heap.pop()!;
      const v = top.value;
      if (v.kind === 'wake') {
        items.push({ type: 'wake', monitorId: v.id, at: top.at });
      } else if (v.kind === 'once') {
        this.#monitors.get(v.d.monitorId)?.oneShots.delete(top.key);
        this.#fireOnce(v.d, now, items);
      } else {
        const entry = this.#monitors.get(v.id);
        if (entry) this.#firePeriodic(entry, top.at, now, items);
      }
    }
    return items;
  }

  report(id: string, roundId: string): void {
    const entry = this.#monitors.get(id);
    const f = entry?.inflight;
    if (!entry || !f || f.round.id !== roundId) return;
    f.remaining -= 1;
    if (f.remaining > 0) return;
    entry.inflight = null;
    this.#schedule(entry, this.#clock(), false, true);
  }

  // ------------------------------------------------------------------ internals

  #clearPending(entry: Entry): void {
    this.#heap.delete(entry.key);
    this.#heap.delete(wakeKey(entry.m.id));
    for (const key of entry.oneShots) this.#heap.delete(key);
    entry.oneShots.clear();
    entry.inflight = null;
  }

  /** Put the monitor's next periodic round on the heap (or take it off when on hold). */
  #schedule(entry: Entry, now: number, first: boolean, afterRound = false): void {
    const c = entry.cadence;
    if (c.kind === 'hold' || entry.m.paused) {
      this.#heap.delete(entry.key);
      return;
    }
    const at = nextRoundAt(entry, c.every, now, first);
    if (afterRound && entry.lastDue !== null && at - entry.lastDue > c.every) {
      // The round ran past one or more of its next slots (at most one round in flight).
      this.#skipped += Math.floor((at - entry.lastDue) / c.every) - 1;
    }
    this.#heap.set(entry.key, at, entry.tag);
  }

  #firePeriodic(entry: Entry, at: number, now: number, items: SchedulerItem[]): void {
    const m = entry.m;
    const f = entry.inflight;
    if (f) {
      // Popped at the in-flight round's deadline: give up on what is still out.
      items.push({ type: 'expired', monitorId: m.id, round: f.round, due: f.due, outstanding: f.remaining });
      entry.inflight = null;
      this.#schedule(entry, now, false, true);
      return;
    }
    const c = entry.cadence;
    if (c.kind === 'hold') return;
    entry.lastDue = at;
    entry.catchUp = false;
    const regions =
      c.fanout <= 1
        ? this.#pickScheduled(entry)
        : pickMany(votingRegions(m.regions, this.#view), c.fanout, this.#rng);
    if (regions.length === 0) {
      const round: RoundRef = { id: `${m.id}@${at}`, purpose: c.purpose, size: 0 };
      items.push(noRunnerItem(m.id, at, round, null, m.regions));
      this.#schedule(entry, now, false);
      return;
    }
    const round: RoundRef = { id: `${m.id}@${at}`, purpose: c.purpose, size: regions.length };
    const deadline = roundDeadline(Math.max(now, at), m.timeout);
    items.push({ type: 'round', monitorId: m.id, round, regions, due: at, deadline });
    entry.inflight = { round, due: at, deadline, remaining: regions.length };
    // The periodic entry now waits on the round's deadline.
    this.#heap.set(entry.key, deadline, entry.tag);
  }

  #pickScheduled(entry: Entry): string[] {
    const region = pickOne(monitorRegions(entry.m.regions, this.#view.live), entry.lastRegion, this.#rng);
    if (region === null) return [];
    entry.lastRegion = region;
    return [region];
  }

  #fireOnce(d: Dispatch, now: number, items: SchedulerItem[]): void {
    const entry = this.#monitors.get(d.monitorId);
    if (!entry || entry.m.paused) return;
    items.push(...onceItems(d, new Set(this.#view.live), entry.m.timeout, now));
  }
}
