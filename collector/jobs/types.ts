// A job: one check of one monitor from one region, as queued, leased and answered.

import type { JobSpec } from '../../runner/protocol.ts';
import type { Secrets } from '../../schema/types.ts';
import type { RoundRef } from '../domain/rounds.ts';

export interface Lease {
  runnerId: string;
  claimedAt: number;
  /** The lease ends here: a result after it is rejected, and the job is re-queued once. */
  until: number;
}

export interface QueuedJob {
  jobId: string;
  monitorId: string;
  historyId: number;
  round: RoundRef;
  /** A scheduler round (scheduled, down-round): its answers are reported to the scheduler. */
  periodic: boolean;
  region: string;
  /** Regions of all jobs of the round (a re-queue to another region avoids them). */
  roundRegions: readonly string[];
  /** When the check was due. */
  due: number;
  createdAt: number;
  /** The round's deadline: a job not answered by then is missed. */
  deadline: number;
  timeout: number;
  spec: JobSpec;
  secrets: Secrets;
  state: 'queued' | 'leased';
  lease: Lease | null;
  /** Claim time of the lease that produced the answer (first lease if re-queued). */
  firstClaimedAt: number | null;
  /** Re-queued once already after an expired lease. */
  requeued: boolean;
  /** Runner whose lease expired: not given the job again. */
  exclude: string | null;
  /** Bumped on every enqueue: stale queue entries are skipped. */
  seq: number;
}

/** What the queue itself keeps about a job (its lease, re-queue, queue position). */
type QueueFields = 'state' | 'lease' | 'firstClaimedAt' | 'requeued' | 'exclude' | 'seq';

/** A job as the engine starts it: queued, never leased. */
export function newJob(job: Omit<QueuedJob, QueueFields>): QueuedJob {
  return {
    ...job,
    state: 'queued',
    lease: null,
    firstClaimedAt: null,
    requeued: false,
    exclude: null,
    seq: 0,
  };
}

export type MissReason = 'lease_expired' | 'deadline' | 'cancelled';

export interface QueueOutcome {
  requeued: QueuedJob[];
  missed: Array<{ job: QueuedJob; reason: MissReason }>;
}

export type TakeResult =
  | { kind: 'ok'; job: QueuedJob; lease: Lease }
  | { kind: 'unknown' }
  /** Not leased to this runner (re-queued elsewhere, or never claimed by it), or lease over. */
  | { kind: 'expired' };
