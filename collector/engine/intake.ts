// The runner side of the engine: jobs leased out in their wire form (lateness noted at the first
// lease), and results taken in. An accepted result is a vote now and a stored check at the next
// flush; a duplicate was answered before (a retried batch); a rejected one (unknown job, lease
// expired while the job waits for another runner, leased to another runner) is never a vote and
// never stored (ARCHITECTURE.md "Engine").
// A late result (its round's deadline passed, or its job left the queue as missed while the
// runner was cut off and buffered it) is accepted and stored with `late`, and never a vote: the
// verdict ignores it (collector/verdict/votes.ts `isLate`). Which jobs were leased is remembered
// for that (late-results.ts); a late result is taken from a runner of the region it was leased in
// (the same runner, or the session it registered again after losing the first).
// A result for a job this collector never leased (the runner moved here from a collector that
// died) is stored late from its signed job ticket (fleet/ticket.ts), if it was leased in the
// runner's region: never a vote, never lost.
import type { CheckResult } from '../../probe/types.ts';
import type { Job, JobResult, ResultsResponse } from '../../runner/protocol.ts';
import type { RunnerSession } from '../fleet/registry.ts';
import { issueTicket, loadTicketKey, readTicket } from '../fleet/ticket.ts';
import { newJob, type QueuedJob } from '../jobs/types.ts';
import { buildCheck } from './check-record.ts';
import { LATE_RESULT_WINDOW, type LeasedJob, LeaseMemory } from './late-results.ts';
import type { EngineState } from './state.ts';
import { stepMonitor } from './step.ts';

const memories = new WeakMap<EngineState, LeaseMemory>();

/** The leases this engine handed out, for late results. */
export function leaseMemory(st: EngineState): LeaseMemory {
  let memory = memories.get(st);
  if (memory === undefined) {
    memory = new LeaseMemory();
    memories.set(st, memory);
  }
  return memory;
}

const ticketKeys = new WeakMap<EngineState, Promise<Buffer | null>>();

/** The cluster's job ticket key; null while the store cannot give it (jobs then go without). */
async function ticketKey(st: EngineState): Promise<Buffer | null> {
  let key = ticketKeys.get(st);
  if (key === undefined) {
    key = loadTicketKey(st.o.store.settings).catch((error: unknown) => {
      ticketKeys.delete(st); // asked again at the next claim
      st.o.log.warn({ err: error }, 'cannot read the job ticket key; jobs leased without tickets');
      return null;
    });
    ticketKeys.set(st, key);
  }
  return key;
}

/** Leases up to `max` due jobs of the runner's region to it, in their wire form. */
export async function claimJobs(
  st: EngineState,
  runner: RunnerSession,
  max: number,
  wait: number,
  signal?: AbortSignal,
): Promise<Job[]> {
  const key = await ticketKey(st);
  const jobs = await st.queue.claim(runner, max, wait, signal);
  const memory = leaseMemory(st);
  const now = st.o.clock();
  return jobs.map((job) => {
    noteClaimed(st, job);
    memory.leased(job, now);
    return {
      jobId: job.jobId,
      monitorId: job.monitorId,
      purpose: job.round.purpose,
      roundId: job.round.id,
      deadline: job.lease!.until,
      spec: job.spec,
      secrets: job.secrets,
      ...(key === null ? {} : { ticket: issueTicket(key, job, job.lease!) }),
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
  const unknown: Array<{ jobId: string; result: CheckResult; ticket: string | undefined }> = [];
  const now = st.o.clock();
  for (const { jobId, result, ticket } of results) {
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
    } else if (taken.kind === 'unknown') unknown.push({ jobId, result, ticket });
    else out.rejected.push(jobId);
  }
  if (unknown.length > 0) {
    const stored = await st.o.store.runtime.storedJobs(unknown.map((u) => u.jobId));
    const memory = leaseMemory(st);
    let late = 0;
    for (const { jobId, result, ticket } of unknown) {
      if (stored.has(jobId) || st.recent.has(jobId) || st.buffer.pendingCheck(jobId)) {
        out.duplicates.push(jobId);
        continue;
      }
      const leased = memory.get(jobId, now) ?? (await ticketLease(st, jobId, ticket, now));
      if (st.stopped || leased === undefined || leased.region !== runner.region) {
        out.rejected.push(jobId);
        continue;
      }
      // Its job left the queue (missed): whatever the time, its round went on without it.
      const job = { ...leased.job, region: leased.region }; // a re-queue may have moved it since
      accept(st, job, leased.lease, runner, result, now, true);
      out.accepted.push(jobId);
      late += 1;
    }
    if (late > 0) {
      st.o.log.info(
        { runner: runner.id, region: runner.region, late },
        'results of jobs already over: stored as late, not counted as votes',
      );
    }
  }
  st.counts.accepted += out.accepted.length;
  st.counts.duplicates += out.duplicates.length;
  st.counts.rejected += out.rejected.length;
  return out;
}

/** The job of a result this collector never leased, from its ticket, within the late window. */
async function ticketLease(
  st: EngineState,
  jobId: string,
  ticket: string | undefined,
  now: number,
): Promise<LeasedJob | undefined> {
  if (ticket === undefined) return undefined;
  const key = await ticketKey(st);
  const job = key === null ? null : readTicket(key, jobId, ticket);
  if (job === null || now > job.deadline + LATE_RESULT_WINDOW) return undefined;
  const live = st.byHistory.get(job.historyId);
  const queued = newJob({
    jobId: job.jobId,
    monitorId: job.monitorId,
    historyId: job.historyId,
    round: job.round,
    periodic: job.periodic,
    region: job.region,
    roundRegions: [job.region],
    due: job.due,
    createdAt: job.due,
    deadline: job.deadline,
    timeout: live?.spec.timeout ?? 0,
    // Not run again: only the check row is built from it (its secrets redact the result).
    spec: live?.jobSpec ?? ({} as QueuedJob['spec']),
    secrets: live?.secrets ?? {},
  });
  return { job: queued, lease: job.lease, region: job.region };
}

function accept(
  st: EngineState,
  job: QueuedJob,
  lease: NonNullable<QueuedJob['lease']>,
  runner: RunnerSession,
  result: CheckResult,
  now: number,
  missed = false,
): void {
  st.recent.add(job.jobId, now);
  leaseMemory(st).forget(job.jobId);
  runner.checks.add(now);
  const live = st.byHistory.get(job.historyId);
  const built = buildCheck(job, lease, live?.id ?? job.monitorId, result, live?.secrets ?? job.secrets, now);
  // Missed, or past its round's deadline: kept for the history, no vote, not the region's latest.
  const late = missed || now > job.deadline;
  if (late) built.check.late = true;
  st.buffer.check(built.check, built.log);
  if (live && job.periodic && !missed) st.scheduler.report(live.id, job.round.id);
  if (!live || late) return;
  live.lastResults.set(job.region, built.summary);
  st.detector.record({
    monitorId: live.id,
    region: job.region,
    ok: built.check.ok,
    at: built.check.startedAt,
  });
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
      deadline: job.deadline,
    },
  });
}
