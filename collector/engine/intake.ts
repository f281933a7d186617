// The runner side of the engine: jobs leased out in their wire form (lateness noted at the first
// lease), and results taken in. An accepted result is a vote now and a stored check at the next
// flush; a duplicate was answered before (a retried batch); a rejected one (unknown job, expired
// lease, leased to another runner) is never a vote and never stored (ARCHITECTURE.md "Engine").
import type { CheckResult } from '../../probe/types.ts';
import type { Job, JobResult, ResultsResponse } from '../../runner/protocol.ts';
import type { RunnerSession } from '../fleet/registry.ts';
import type { QueuedJob } from '../jobs/types.ts';
import { buildCheck } from './check-record.ts';
import type { EngineState } from './state.ts';
import { stepMonitor } from './step.ts';

/** Leases up to `max` due jobs of the runner's region to it, in their wire form. */
export async function claimJobs(
  st: EngineState,
  runner: RunnerSession,
  max: number,
  wait: number,
  signal?: AbortSignal,
): Promise<Job[]> {
  const jobs = await st.queue.claim(runner, max, wait, signal);
  return jobs.map((job) => {
    noteClaimed(st, job);
    return {
      jobId: job.jobId,
      monitorId: job.monitorId,
      purpose: job.round.purpose,
      roundId: job.round.id,
      deadline: job.lease!.until,
      spec: job.spec,
      secrets: job.secrets,
    };
  });
}

/** Lateness of a job just leased (claim time minus due time), counted at its first lease. */
export function noteClaimed(st: EngineState, job: QueuedJob): void {
  const lease = job.lease;
  if (lease === null || job.firstClaimedAt !== lease.claimedAt) return;
  (job.periodic ? st.lateness.periodic : st.lateness.oneShot).record(lease.claimedAt - job.due);
}

export async function acceptResults(
  st: EngineState,
  runner: RunnerSession,
  results: readonly JobResult[],
): Promise<ResultsResponse> {
  const out: ResultsResponse = { accepted: [], duplicates: [], rejected: [] };
  const unknown: string[] = [];
  const now = st.o.clock();
  for (const { jobId, result } of results) {
    if (st.stopped) {
      out.rejected.push(jobId);
      continue;
    }
    if (st.recent.has(jobId) || st.buffer.pendingCheck(jobId)) {
      out.duplicates.push(jobId);
      continue;
    }
    const taken = st.queue.take(jobId, runner.id, now);
    if (taken.kind === 'ok') {
      accept(st, taken.job, taken.lease, runner, result, now);
      out.accepted.push(jobId);
    } else if (taken.kind === 'unknown') unknown.push(jobId);
    else out.rejected.push(jobId);
  }
  if (unknown.length > 0) {
    const stored = await st.o.store.runtime.storedJobs(unknown);
    for (const id of unknown) (stored.has(id) ? out.duplicates : out.rejected).push(id);
  }
  st.counts.accepted += out.accepted.length;
  st.counts.duplicates += out.duplicates.length;
  st.counts.rejected += out.rejected.length;
  return out;
}

function accept(
  st: EngineState,
  job: QueuedJob,
  lease: NonNullable<QueuedJob['lease']>,
  runner: RunnerSession,
  result: CheckResult,
  now: number,
): void {
  st.recent.add(job.jobId, now);
  runner.checks.add(now);
  const live = st.byHistory.get(job.historyId);
  const built = buildCheck(job, lease, live?.id ?? job.monitorId, result, live?.secrets ?? job.secrets, now);
  st.buffer.check(built.check, built.log);
  if (!live) return;
  live.lastResults.set(job.region, built.summary);
  st.detector.record({
    monitorId: live.id,
    region: job.region,
    ok: built.check.ok,
    at: built.check.startedAt,
  });
  if (job.periodic) st.scheduler.report(live.id, job.round.id);
  stepMonitor(st, live, {
    type: 'result',
    vote: {
      jobId: job.jobId,
      round: job.round,
      region: job.region,
      runner: runner.id,
      ok: built.check.ok,
      reason: built.check.reason,
      at: built.check.startedAt,
    },
  });
}
