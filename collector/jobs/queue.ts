// Per-region job queues with leases and deadlines, and long-poll claims.
//
// - `add(job)` queues a job in its region. Waiting claims of that region are served on the next
//   microtask, so the jobs added in one scheduler tick go out together (one claim, many jobs).
// - `claim(runner, max, wait)` leases up to `max` jobs of the runner's region at once, or waits up
//   to `wait` ms (capped at 25 s) for the first one. A lease lasts the monitor's timeout plus
//   `leaseSlack` (15 s) from the claim.
// - `take(jobId, runnerId)` is a result arriving: only the runner holding a live lease may answer.
// - `sweep(now)`: an expired lease re-queues the job once, to another runner of the same region
//   if one is online, else to another live region of the monitor not already in the round (the
//   `alternateRegion` callback chooses); a second expiry, or no one to give it to, is `missed`
//   (lease_expired). A job still queued at its round's deadline was never run: `missed`
//   (deadline). A miss is never a vote for down: the engine tells the verdict so.
// - `expireRunner(id)`: a runner went offline or deregistered: its leases expire now.
// One indexed min-heap holds each job's next timeout (queued: the round deadline; leased: the
// lease end), so a sweep costs O(expired · log n).

import type { TimerHandle, Timers } from '../../common/timers.ts';
import { MAX_CLAIM_WAIT } from '../../runner/protocol.ts';
import type { RunnerSession } from '../fleet/registry.ts';
import { IndexedMinHeap } from '../scheduler/heap.ts';
import type { Lease, QueuedJob, QueueOutcome, TakeResult } from './types.ts';

export const LEASE_SLACK = 15_000;

export interface JobQueueOptions {
  clock: () => number;
  timers: Timers;
  /** Online runners of a region other than `except`. */
  onlineIn(region: string, except: string | null): number;
  /** A live region of the job's monitor, not in its round, to re-run it from; null if none. */
  alternateRegion(job: QueuedJob): string | null;
  /** Runner sessions by id (their `leased` counts are kept here). */
  runner(id: string): RunnerSession | undefined;
  leaseSlack?: number;
}

interface Entry {
  job: QueuedJob;
  seq: number;
}

interface Waiter {
  runner: RunnerSession;
  max: number;
  done: (jobs: QueuedJob[]) => void;
}

/** A FIFO with O(1) push/shift (an array and a head index, compacted now and then). */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

interface RegionQueue {
  fresh: Fifo<Entry>;
  /** Re-queued jobs: served first; each may exclude one runner. */
  retry: Entry[];
  waiters: Waiter[];
  serveScheduled: boolean;
}

export class JobQueue {
  readonly #o: JobQueueOptions;
  readonly #leaseSlack: number;
  readonly #jobs = new Map<string, QueuedJob>();
  readonly #byRound = new Map<string, Set<string>>();
  readonly #regions = new Map<string, RegionQueue>();
  readonly #timeouts = new IndexedMinHeap<null>();
  #closing = false;

  constructor(options: JobQueueOptions) {
    this.#o = options;
    this.#leaseSlack = options.leaseSlack ?? LEASE_SLACK;
  }

  get closing(): boolean {
    return this.#closing;
  }

  get(jobId: string): QueuedJob | undefined {
    return this.#jobs.get(jobId);
  }

  stats(): { queued: number; leased: number; waiting: number } {
    let leased = 0;
    for (const j of this.#jobs.values()) if (j.state === 'leased') leased++;
    let waiting = 0;
    for (const r of this.#regions.values()) waiting += r.waiters.length;
    return { queued: this.#jobs.size - leased, leased, waiting };
  }

  add(job: QueuedJob): void {
    if (this.#closing) return;
    this.#jobs.set(job.jobId, job);
    let round = this.#byRound.get(job.round.id);
    if (!round) {
      round = new Set();
      this.#byRound.set(job.round.id, round);
    }
    round.add(job.jobId);
    this.#enqueue(job, false);
  }

  /**
   * Leases up to `max` jobs to `runner`, waiting up to `wait` ms for the first. Resolves with []
   * when nothing came, the signal aborted, or the queue is closing.
   */
  claim(runner: RunnerSession, max: number, wait: number, signal?: AbortSignal): Promise<QueuedJob[]> {
    if (this.#closing || max <= 0 || signal?.aborted) return Promise.resolve([]);
    const region = this.#region(runner.region);
    const now = this.#o.clock();
    const jobs = this.#take(region, runner, max, now);
    const ms = Math.min(Math.max(0, wait), MAX_CLAIM_WAIT);
    if (jobs.length > 0 || ms === 0) return Promise.resolve(jobs);
    return new Promise((resolve) => {
      let timer: TimerHandle | null = null;
      const onAbort = () => waiter.done([]);
      const waiter: Waiter = {
        runner,
        max,
        done: (taken) => {
          const i = region.waiters.indexOf(waiter);
          if (i >= 0) region.waiters.splice(i, 1);
          if (timer !== null) this.#o.timers.clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(taken);
        },
      };
      region.waiters.push(waiter);
      timer = this.#o.timers.setTimeout(() => {
        timer = null;
        waiter.done([]);
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A result for `jobId` from `runnerId`: the job leaves the queue if the lease is theirs and live. */
  take(jobId: string, runnerId: string, now: number): TakeResult {
    const job = this.#jobs.get(jobId);
    if (!job) return { kind: 'unknown' };
    const lease = job.lease;
    if (job.state !== 'leased' || lease === null || lease.runnerId !== runnerId || now > lease.until) {
      return { kind: 'expired' };
    }
    this.#remove(job);
    return { kind: 'ok', job, lease };
  }

  /** Expired leases and deadlines up to `now`. */
  sweep(now: number): QueueOutcome {
    const out: QueueOutcome = { requeued: [], missed: [] };
    for (;;) {
      const at = this.#timeouts.peekAt();
      if (at === undefined || at > now) break;
      const { key } = this.#timeouts.pop()!;
      const job = this.#jobs.get(key);
      if (!job) continue;
      if (job.state === 'queued') {
        this.#remove(job);
        out.missed.push({ job, reason: 'deadline' });
      } else {
        this.#expireLease(job, now, out);
      }
    }
    return out;
  }

  /** Every lease held by `runnerId` expires now (the runner went offline or deregistered). */
  expireRunner(runnerId: string): QueueOutcome {
    const now = this.#o.clock();
    const out: QueueOutcome = { requeued: [], missed: [] };
    for (const job of [...this.#jobs.values()]) {
      if (job.state === 'leased' && job.lease?.runnerId === runnerId) this.#expireLease(job, now, out);
    }
    return out;
  }

  /** Removes the unanswered jobs of a round (its deadline passed); returns them. */
  cancelRound(roundId: string): QueuedJob[] {
    const ids = this.#byRound.get(roundId);
    if (!ids) return [];
    const jobs = [...ids].map((id) => this.#jobs.get(id)).filter((j): j is QueuedJob => j !== undefined);
    for (const job of jobs) this.#remove(job);
    return jobs;
  }

  /** Removes every job of a lineage (monitor deleted or replaced). */
  cancelMonitor(historyId: number): QueuedJob[] {
    const jobs = [...this.#jobs.values()].filter((j) => j.historyId === historyId);
    for (const job of jobs) this.#remove(job);
    return jobs;
  }

  /** Stops handing out jobs; pending claims answer at once (empty). */
  close(): void {
    this.#closing = true;
    for (const region of this.#regions.values()) {
      for (const waiter of [...region.waiters]) waiter.done([]);
    }
  }

  // ------------------------------------------------------------------ internals

  #region(name: string): RegionQueue {
    let region = this.#regions.get(name);
    if (!region) {
      region = { fresh: new Fifo(), retry: [], waiters: [], serveScheduled: false };
      this.#regions.set(name, region);
    }
    return region;
  }

  #enqueue(job: QueuedJob, retry: boolean): void {
    job.state = 'queued';
    job.lease = null;
    job.seq += 1;
    const region = this.#region(job.region);
    const entry = { job, seq: job.seq };
    if (retry) region.retry.push(entry);
    else region.fresh.push(entry);
    this.#timeouts.set(job.jobId, job.deadline, null);
    if (region.waiters.length > 0 && !region.serveScheduled) {
      region.serveScheduled = true;
      queueMicrotask(() => this.#serve(region));
    }
  }

  #serve(region: RegionQueue): void {
    region.serveScheduled = false;
    const now = this.#o.clock();
    for (const waiter of [...region.waiters]) {
      if (region.fresh.length === 0 && region.retry.length === 0) break;
      const jobs = this.#take(region, waiter.runner, waiter.max, now);
      if (jobs.length > 0) waiter.done(jobs);
    }
  }

  #live(entry: Entry): boolean {
    const job = entry.job;
    return job.seq === entry.seq && job.state === 'queued' && this.#jobs.get(job.jobId) === job;
  }

  #take(region: RegionQueue, runner: RunnerSession, max: number, now: number): QueuedJob[] {
    const jobs: QueuedJob[] = [];
    if (this.#closing) return jobs;
    if (region.retry.length > 0) {
      const keep: Entry[] = [];
      for (const entry of region.retry) {
        if (!this.#live(entry)) continue;
        if (jobs.length >= max || entry.job.exclude === runner.id) keep.push(entry);
        else this.#lease(entry.job, runner, now, jobs);
      }
      region.retry = keep;
    }
    while (jobs.length < max) {
      const entry = region.fresh.shift();
      if (!entry) break;
      if (this.#live(entry)) this.#lease(entry.job, runner, now, jobs);
    }
    return jobs;
  }

  #lease(job: QueuedJob, runner: RunnerSession, now: number, into: QueuedJob[]): void {
    if (now >= job.deadline) {
      // Too late to run: the sweep reports it missed (its heap entry is the deadline).
      return;
    }
    const lease: Lease = { runnerId: runner.id, claimedAt: now, until: now + job.timeout + this.#leaseSlack };
    job.state = 'leased';
    job.lease = lease;
    if (job.firstClaimedAt === null) job.firstClaimedAt = now;
    runner.leased += 1;
    this.#timeouts.set(job.jobId, lease.until, null);
    into.push(job);
  }

  #expireLease(job: QueuedJob, now: number, out: QueueOutcome): void {
    const previous = job.lease?.runnerId ?? null;
    if (previous !== null) this.#release(previous);
    job.lease = null;
    if (job.requeued || now >= job.deadline) {
      this.#remove(job);
      out.missed.push({ job, reason: 'lease_expired' });
      return;
    }
    if (previous === null || this.#o.onlineIn(job.region, previous) === 0) {
      const region = this.#o.alternateRegion(job);
      if (region === null) {
        this.#remove(job);
        out.missed.push({ job, reason: 'lease_expired' });
        return;
      }
      job.region = region;
    }
    job.requeued = true;
    job.exclude = previous;
    this.#enqueue(job, true);
    out.requeued.push(job);
  }

  #release(runnerId: string): void {
    const runner = this.#o.runner(runnerId);
    if (runner) runner.leased = Math.max(0, runner.leased - 1);
  }

  #remove(job: QueuedJob): void {
    if (job.state === 'leased' && job.lease) this.#release(job.lease.runnerId);
    job.lease = null;
    job.seq += 1;
    this.#jobs.delete(job.jobId);
    this.#timeouts.delete(job.jobId);
    const round = this.#byRound.get(job.round.id);
    if (round) {
      round.delete(job.jobId);
      if (round.size === 0) this.#byRound.delete(job.round.id);
    }
  }
}
