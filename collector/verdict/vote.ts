// From a runner's CheckResult (plus the job it answered) to the verdict's compact Vote.
//
// API:
//   interface VoteJob { jobId; round: RoundRef; region; runner }
//   toVote(job, result) -> Vote        at = Date.parse(result.startedAt)

import type { CheckResult } from '../probe/types.ts';
import type { RoundRef, Vote } from './types.ts';

export interface VoteJob {
  jobId: string;
  round: RoundRef;
  region: string;
  runner: string | null;
}

export function toVote(job: VoteJob, result: Pick<CheckResult, 'ok' | 'reason' | 'startedAt'>): Vote {
  return {
    jobId: job.jobId,
    round: job.round,
    region: job.region,
    runner: job.runner,
    ok: result.ok,
    reason: result.ok ? null : result.reason,
    at: Date.parse(result.startedAt),
  };
}
