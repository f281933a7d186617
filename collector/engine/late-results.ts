// What the engine remembers of the jobs it leased out, so a result that comes back after its job
// left the queue (lease expired, round missed: the runner was cut off from the collector for a
// while and delivers what it buffered) is still stored, marked late, instead of being lost. Such a
// result is never a vote (collector/verdict/votes.ts `isLate`).
//
// Bounded: a lease is remembered until `keepMs` after its round's deadline, and at most `max`
// leases (the oldest forgotten first), about 1 KiB each; a result later than that is rejected.
import type { Lease, QueuedJob } from '../jobs/types.ts';

/** How long after its round's deadline a late result is still taken (a runner's outage). */
export const LATE_RESULT_WINDOW = 3600_000;
/** Leases remembered at most. */
export const LATE_RESULT_LEASES = 100_000;

export interface LeasedJob {
  job: QueuedJob;
  /** The lease as it was handed out (the job's own lease changes as it is re-queued). */
  lease: Lease;
  /** The region it was leased in. */
  region: string;
}

export class LeaseMemory {
  readonly #byJob = new Map<string, LeasedJob>();
  readonly #keepMs: number;
  readonly #max: number;

  constructor(keepMs = LATE_RESULT_WINDOW, max = LATE_RESULT_LEASES) {
    this.#keepMs = keepMs;
    this.#max = max;
  }

  get size(): number {
    return this.#byJob.size;
  }

  /** A job just leased (the latest lease of a job replaces the earlier one). */
  leased(job: QueuedJob, now: number): void {
    if (job.lease === null) return;
    this.#byJob.delete(job.jobId);
    this.#byJob.set(job.jobId, { job, lease: { ...job.lease }, region: job.region });
    this.#prune(now);
  }

  /** The lease of `jobId` if it is still within the window. */
  get(jobId: string, now: number): LeasedJob | undefined {
    const entry = this.#byJob.get(jobId);
    if (entry === undefined || now > entry.job.deadline + this.#keepMs) return undefined;
    return entry;
  }

  /** The job's answer is in (stored or stored late): nothing more to remember. */
  forget(jobId: string): void {
    this.#byJob.delete(jobId);
  }

  #prune(now: number): void {
    // Insertion order is lease order: the oldest leases come first.
    for (const [id, entry] of this.#byJob) {
      if (this.#byJob.size <= this.#max && now <= entry.job.deadline + this.#keepMs) break;
      this.#byJob.delete(id);
    }
  }
}
