// Claiming and running jobs: long-poll claims for as many jobs as there are free slots, run each
// with the probe, hand its result to the poster. A job whose probe throws (a runner bug) is not
// reported: its lease expires and the collector re-queues it or counts it missed, so a runner
// fault is never a vote for down.
import type { CheckResult } from '../probe/types.ts';
import { type RunnerContext, StoppedError, sleep } from './context.ts';
import { classifyFailure, codeOf } from './errors.ts';
import type { Job } from './protocol.ts';
import type { ResultPoster } from './results.ts';
import type { Sessions } from './session.ts';
import type { RunnerSession } from './types.ts';

/** Most jobs one claim may ask for (the collector's limit). */
export const MAX_CLAIM = 500;

/** Claims until the runner stops; returns when `stopping` aborts (or the runner failed). */
export async function claimLoop(
  ctx: RunnerContext,
  sessions: Sessions,
  results: ResultPoster,
): Promise<void> {
  const drainPauseMs = ctx.options.drainPauseMs ?? 5_000;
  let failures = 0;
  while (!ctx.stopping.signal.aborted) {
    const free = ctx.concurrency - ctx.inFlight.size;
    if (free <= 0) {
      await ctx.waitForSlot();
      continue;
    }
    let current: RunnerSession;
    try {
      current = await ctx.raceStop(sessions.get());
    } catch (error) {
      if (error instanceof StoppedError || ctx.fatal !== null) return;
      throw error;
    }
    const wait = Math.max(0, Math.min(ctx.options.claimWaitMs ?? 25_000, current.maxClaimWait));
    const call = new AbortController();
    ctx.claimCall = call;
    const started = Date.now();
    let jobs: Job[];
    let drain = false;
    try {
      const answer = await ctx.transport.claim(
        current.token,
        { max: Math.min(free, MAX_CLAIM), wait, inFlight: ctx.inFlight.size },
        call.signal,
      );
      jobs = Array.isArray(answer.jobs) ? answer.jobs : [];
      drain = answer.drain === true;
      failures = 0;
    } catch (error) {
      if (ctx.stopping.signal.aborted) return;
      ctx.counters.callFailures += 1;
      if (classifyFailure(error, 'session') === 'reregister') {
        sessions.forget(current);
        continue;
      }
      const delay = ctx.retryDelay(error, failures++);
      ctx.log.warn({ err: error, code: codeOf(error), retryInMs: delay }, 'claim failed; retrying');
      await sleep(delay, ctx.stopping.signal);
      continue;
    } finally {
      ctx.claimCall = null;
    }
    // Jobs handed over are run even when stop() began meanwhile: their leases are ours now.
    for (const job of jobs) startJob(ctx, results, job);
    if (drain && !ctx.stopping.signal.aborted) {
      ctx.log.info({ pauseMs: drainPauseMs }, 'the collector asked runners to drain; pausing claims');
      await sleep(drainPauseMs, ctx.stopping.signal);
    } else if (jobs.length === 0 && Date.now() - started < 50) {
      // A collector that answers an empty claim at once (not long-polling) must not make us spin.
      await sleep(Math.min(250, wait), ctx.stopping.signal);
    }
  }
}

function startJob(ctx: RunnerContext, results: ResultPoster, job: Job): void {
  if (ctx.inFlight.has(job.jobId)) {
    ctx.log.warn({ jobId: job.jobId }, 'job claimed twice; running it once');
    return;
  }
  ctx.counters.claimed += 1;
  const run = runJob(ctx, results, job).finally(() => {
    ctx.inFlight.delete(job.jobId);
    ctx.counters.completed += 1;
    ctx.wakeSlotWaiters();
  });
  ctx.inFlight.set(job.jobId, run);
}

async function runJob(ctx: RunnerContext, results: ResultPoster, job: Job): Promise<void> {
  let result: CheckResult;
  try {
    if (ctx.probe === null) throw new Error('probe engine not loaded');
    result = await ctx.probe(job.spec, {
      secrets: job.secrets ?? {},
      region: ctx.region,
      version: ctx.version,
    });
  } catch (error) {
    // Not reported: the lease expires and the check is re-queued or missed, never a false vote.
    ctx.counters.jobErrors += 1;
    ctx.log.error(
      { err: error, jobId: job.jobId, monitorId: job.monitorId },
      'probe failed to run; job not reported',
    );
    return;
  }
  ctx.log.debug(
    {
      jobId: job.jobId,
      monitorId: job.monitorId,
      purpose: job.purpose,
      ok: result.ok,
      reason: result.reason,
    },
    'job done',
  );
  results.queue(job.jobId, result, job.ticket);
}
