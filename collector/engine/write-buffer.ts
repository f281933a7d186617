// Write-behind buffer: the engine's writes (checks, logs, marks, states, incident events, runners)
// gather here and go to the store in one transaction per flush, every `flushMs` (200 ms) or as soon
// as `maxRows` (500) rows are waiting. One flush at a time; a failed flush keeps its rows and is
// retried (a state row always carries the latest state, so a retry never writes an older one).
//
// While flushes fail (the disk full, storage errors) retries back off exponentially with jitter
// (common/retry.ts, `backoff`, capped at 10 s) and the buffer stays bounded: beyond `maxBuffered`
// check rows (and as many missed-job rows) the OLDEST are dropped, with their response logs,
// counted in `stats.dropped` and logged a few lines per outage (flush-trouble.ts). Oldest first:
// the status, the verdict and an operator watching recovery need the newest; state rows, incident
// events, marks and runner records are small and never dropped. What is left at close is spilled.
//
// A flush that fails on its data instead (StoreValueError: a value the store cannot bind) would fail
// every retry for good: it is written again without its check rows, then each check alone; a
// check that fails alone is dropped, logged and counted (`unwritable`).
// Collectors sharing a store: every flush carries the lease fence, and the store leaves out what
// another member owns now (ARCHITECTURE.md "Cluster"): counted, logged once, told to `onFenced`.
import { type Logger, silentLogger } from '../../common/log.ts';
import { type BackoffOptions, backoffDelay } from '../../common/retry.ts';
import type { TimerHandle, Timers } from '../../common/timers.ts';
import { StoreValueError } from '../store/errors.ts';
import {
  type CheckLogRecord,
  type CheckRecord,
  type EngineIncidentEvent,
  emptyFlushBatch,
  type FlushBatch,
  type FlushFence,
  type RunnerRecord,
  type RuntimeStore,
  type StoredState,
} from '../store/runtime-types.ts';
import type { Mark } from '../verdict/types.ts';
import { type DropReason, FlushTrouble } from './flush-trouble.ts';

export interface WriteBufferOptions {
  store: RuntimeStore;
  timers: Timers;
  clock: () => number;
  flushMs?: number;
  maxRows?: number;
  /** Check rows (and, separately, missed-job rows) held at most while flushes fail. */
  maxBuffered?: number;
  /** Delays between failed flushes (default: from `flushMs` up to 10 s). */
  backoff?: BackoffOptions;
  random?: () => number;
  /** Outage lines (first failure, a summary a minute, recovery); silent by default. */
  log?: Logger;
  /** Every failed flush's error (tests). */
  onError?(error: unknown): void;
  /** The lease fence each flush carries (collector/cluster/), and who hears what it left out. */
  fence?: () => FlushFence | null;
  onFenced?(historyIds: number[]): void;
}

export const DEFAULT_MAX_BUFFERED = 50_000;

export interface FlushStats {
  flushes: number;
  rows: number;
  failures: number;
  lastMs: number;
  maxMs: number;
  pending: number;
  /** Failed flushes in a row (0 while writes succeed). */
  consecutiveFailures: number;
  /** Rows dropped since start, by reason (vigil_check_rows_dropped_total). */
  dropped: Record<DropReason, number>;
  /** State, event and missed rows the store's lease fence left out since start. */
  fenced: number;
}

export class WriteBuffer {
  readonly #o: WriteBufferOptions;
  readonly #flushMs: number;
  readonly #maxRows: number;
  readonly #maxBuffered: number;
  readonly #backoff: BackoffOptions;
  readonly #trouble: FlushTrouble;
  readonly #log: Logger;
  #checks = new Map<string, CheckRecord>();
  #logs: CheckLogRecord[] = [];
  #marks = new Map<string, Mark>();
  /** Latest state per lineage, taken at flush time. */
  #states = new Map<number, () => StoredState>();
  #drops = new Set<number>();
  #events: EngineIncidentEvent[] = [];
  #runners = new Map<string, RunnerRecord>();
  #missed: FlushBatch['missed'] = [];
  #timer: TimerHandle | null = null;
  /** Completes when the last flush started has ended (never rejects). */
  #tail: Promise<void> = Promise.resolve();
  /** A flush queued behind `#tail` and not started yet: later calls join it. */
  #next: Promise<void> | null = null;
  #closed = false;
  readonly stats: FlushStats = {
    flushes: 0,
    rows: 0,
    failures: 0,
    lastMs: 0,
    maxMs: 0,
    pending: 0,
    consecutiveFailures: 0,
    dropped: { buffer_full: 0, shutdown: 0, spill_unreadable: 0, unwritable: 0 },
    fenced: 0,
  };

  constructor(options: WriteBufferOptions) {
    this.#o = options;
    this.#flushMs = options.flushMs ?? 200;
    this.#maxRows = options.maxRows ?? 500;
    this.#maxBuffered = Math.max(this.#maxRows, options.maxBuffered ?? DEFAULT_MAX_BUFFERED);
    this.#backoff = options.backoff ?? { baseMs: this.#flushMs, maxMs: 10_000 };
    this.#log = options.log ?? silentLogger;
    this.#trouble = new FlushTrouble(this.#log, options.clock);
  }

  /** Counts rows lost outside the buffer (at shutdown, in a spill) in `stats.dropped`. */
  countDropped(reason: DropReason, rows: number): void {
    this.stats.dropped[reason] += rows;
  }

  get pending(): number {
    return (
      this.#checks.size +
      this.#logs.length +
      this.#marks.size +
      this.#states.size +
      this.#drops.size +
      this.#events.length +
      this.#runners.size +
      this.#missed.length
    );
  }

  check(check: CheckRecord, log: CheckLogRecord | null): void {
    this.#checks.set(check.id, check);
    if (log) this.#logs.push(log);
    if (this.#checks.size > this.#maxBuffered) this.#shed();
    this.#changed();
  }

  /** A check still waiting here (marks land on it directly). */
  pendingCheck(jobId: string): CheckRecord | undefined {
    return this.#checks.get(jobId);
  }

  mark(jobId: string, mark: Mark): void {
    const pending = this.#checks.get(jobId);
    if (pending) pending.mark = mark;
    else this.#marks.set(jobId, mark);
    this.#changed();
  }

  state(historyId: number, snapshot: () => StoredState): void {
    this.#drops.delete(historyId);
    this.#states.set(historyId, snapshot);
    this.#changed();
  }

  dropState(historyId: number): void {
    this.#states.delete(historyId);
    this.#drops.add(historyId);
    this.#changed();
  }

  event(e: EngineIncidentEvent): void {
    this.#events.push(e);
    this.#changed();
  }

  runner(r: RunnerRecord): void {
    this.#runners.set(r.id, r);
    this.#changed();
  }

  /** A job that never ran (counted in the hourly rollups). */
  missed(historyId: number, region: string | null, at: number): void {
    this.#missed.push({ historyId, region, at });
    if (this.#missed.length > this.#maxBuffered) this.#shed();
    this.#changed();
  }

  /** Writes everything buffered now (after the flush in progress, if any). */
  flush(): Promise<void> {
    this.#cancelTimer();
    if (this.#next) return this.#next;
    const run = this.#tail.then(() => {
      this.#next = null;
      return this.pending > 0 ? this.#flushOnce() : undefined;
    });
    this.#next = run;
    this.#tail = run.catch(() => undefined);
    return run.then(
      () => {
        if (this.pending > 0) this.#arm();
      },
      (error: unknown) => {
        this.#arm();
        throw error;
      },
    );
  }

  /**
   * Final flush (retried a few times); later writes are flushed only by an explicit `flush()`.
   * Returns what could not be written (for the spill file), or null when everything was.
   */
  async close(): Promise<FlushBatch | null> {
    this.#closed = true;
    this.#cancelTimer();
    await this.#tail;
    for (let attempt = 0; attempt < 3 && this.pending > 0; attempt++) {
      await this.flush().catch(() => undefined);
    }
    return this.pending > 0 ? this.#take().batch : null;
  }

  #changed(): void {
    if (this.#closed) return;
    // While failing, only the backoff timer retries: rows arriving must not hammer the store.
    if (this.pending >= this.#maxRows && this.stats.consecutiveFailures === 0) {
      if (!this.#next) void this.flush().catch(() => undefined);
      return;
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#timer !== null || this.#closed) return;
    const failures = this.stats.consecutiveFailures;
    const delay =
      failures === 0
        ? this.#flushMs
        : backoffDelay(failures - 1, this.#backoff, this.#o.random ?? Math.random);
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = null;
      void this.flush().catch(() => undefined);
    }, delay);
  }

  /** Drops the oldest check rows (with their logs) and missed rows down to 90% of the bound. */
  #shed(): void {
    const keep = Math.floor(this.#maxBuffered * 0.9);
    const gone = new Set<string>();
    for (const id of this.#checks.keys()) {
      if (this.#checks.size <= keep) break;
      this.#checks.delete(id);
      gone.add(id);
    }
    if (gone.size > 0) this.#logs = this.#logs.filter((l) => !gone.has(l.jobId));
    let dropped = gone.size;
    if (this.#missed.length > keep) {
      dropped += this.#missed.length - keep;
      this.#missed = this.#missed.slice(this.#missed.length - keep);
    }
    if (dropped === 0) return;
    this.stats.dropped.buffer_full += dropped;
    this.#trouble.shed(dropped, this.pending);
  }

  #cancelTimer(): void {
    if (this.#timer !== null) {
      this.#o.timers.clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  #take(): { batch: FlushBatch; states: Map<number, () => StoredState> } {
    const states = this.#states;
    const batch: FlushBatch = {
      checks: [...this.#checks.values()],
      logs: this.#logs,
      marks: [...this.#marks].map(([jobId, mark]) => ({ jobId, mark })),
      states: [...states.values()].map((snapshot) => snapshot()),
      dropStates: [...this.#drops],
      events: this.#events,
      runners: [...this.#runners.values()],
      missed: this.#missed,
    };
    this.#checks = new Map();
    this.#logs = [];
    this.#marks = new Map();
    this.#states = new Map();
    this.#drops = new Set();
    this.#events = [];
    this.#runners = new Map();
    this.#missed = [];
    return { batch, states };
  }

  /** Puts a failed batch back in front of what arrived since (newer values win). */
  #restore(batch: FlushBatch, states: Map<number, () => StoredState>): void {
    const checks = new Map(batch.checks.map((c) => [c.id, c]));
    for (const [id, c] of this.#checks) checks.set(id, c);
    this.#checks = checks;
    this.#logs = [...batch.logs, ...this.#logs];
    const marks = new Map(batch.marks.map((m) => [m.jobId, m.mark]));
    for (const [id, m] of this.#marks) marks.set(id, m);
    this.#marks = marks;
    for (const [id, snapshot] of states) {
      if (!this.#states.has(id) && !this.#drops.has(id)) this.#states.set(id, snapshot);
    }
    for (const id of batch.dropStates) if (!this.#states.has(id)) this.#drops.add(id);
    this.#events = [...batch.events, ...this.#events];
    const runners = new Map(batch.runners.map((r) => [r.id, r]));
    for (const [id, r] of this.#runners) runners.set(id, r);
    this.#runners = runners;
    this.#missed = [...batch.missed, ...this.#missed];
  }

  async #flushOnce(): Promise<void> {
    const { batch, states } = this.#take();
    const rows =
      batch.checks.length +
      batch.logs.length +
      batch.marks.length +
      batch.states.length +
      batch.dropStates.length +
      batch.events.length +
      batch.runners.length +
      batch.missed.length;
    const start = performance.now();
    try {
      this.#fenced(await this.#o.store.flush(this.#fenceOf(batch)));
    } catch (first) {
      const onData = first instanceof StoreValueError && batch.checks.length > 0;
      const error = onData ? await this.#setAside(batch) : first;
      if (error === null) return this.#flushed(rows, start);
      this.stats.failures += 1;
      this.stats.consecutiveFailures += 1;
      this.#restore(batch, states);
      if (this.#checks.size > this.#maxBuffered || this.#missed.length > this.#maxBuffered) this.#shed();
      const retryMs = backoffDelay(this.stats.consecutiveFailures - 1, this.#backoff);
      this.#trouble.failed(error, this.pending, retryMs);
      this.#o.onError?.(error);
      throw error;
    }
    this.#flushed(rows, start);
  }

  /**
   * Writes a batch that failed on its data: everything but its checks, then each check with its
   * log alone, dropping (logged, counted) a check that fails alone. Returns null when done, or the
   * error that stopped it, with what was not written put back in `batch` for the retry.
   */
  async #setAside(batch: FlushBatch): Promise<unknown> {
    const checks = batch.checks;
    const logs = batch.logs;
    try {
      this.#fenced(await this.#o.store.flush(this.#fenceOf({ ...batch, checks: [], logs: [] })));
    } catch (error) {
      return error;
    }
    // What is left to write is the checks, one at a time.
    const none = emptyFlushBatch();
    Object.assign(batch, none);
    for (const [index, check] of checks.entries()) {
      const own = logs.filter((log) => log.jobId === check.id);
      try {
        await this.#o.store.flush({ ...none, checks: [check], logs: own });
      } catch (error) {
        if (!(error instanceof StoreValueError)) {
          const rest = new Set(checks.slice(index).map((c) => c.id));
          Object.assign(batch, { checks: checks.slice(index), logs: logs.filter((l) => rest.has(l.jobId)) });
          return error;
        }
        this.stats.dropped.unwritable += 1;
        this.#log.error(
          { jobId: check.id, monitorId: check.monitorId, region: check.region, err: error },
          'check result dropped: the store cannot hold one of its values',
        );
      }
    }
    return null;
  }

  /** With the fence as it is now (never kept in the buffer: a spill holds no fence). */
  #fenceOf(batch: FlushBatch): FlushBatch {
    return { ...batch, fence: this.#o.fence?.() ?? null };
  }

  #fenced(outcome: Awaited<ReturnType<WriteBufferOptions['store']['flush']>>): void {
    if (!outcome || outcome.fencedHistories.length === 0) return;
    this.stats.fenced += outcome.fencedRows;
    this.#trouble.fenced(outcome.fencedHistories, outcome.fencedRows);
    this.#o.onFenced?.(outcome.fencedHistories);
  }

  #flushed(rows: number, start: number): void {
    this.stats.consecutiveFailures = 0;
    this.#trouble.recovered();
    const ms = performance.now() - start;
    this.stats.flushes += 1;
    this.stats.rows += rows;
    this.stats.lastMs = ms;
    this.stats.maxMs = Math.max(this.stats.maxMs, ms);
  }
}
