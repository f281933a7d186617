// Round dispatch: due scheduler items become jobs on region queues, misses and wake-ups go to the
// verdict, and jobs the queue gives up on (lease expired twice, deadline, cancelled) count as
// missed: never a vote, only the verdict's bookkeeping (ARCHITECTURE.md "Engine").
import { monitorRegions, pickOne, votingRegions } from '../domain/regions.ts';
import { type MissReason, newJob, type QueuedJob, type QueueOutcome } from '../jobs/types.ts';
import type { SchedulerItem } from '../scheduler/types.ts';
import type { EngineState } from './state.ts';
import { stepMonitor } from './step.ts';

export function handleItem(st: EngineState, item: SchedulerItem, now: number): void {
  switch (item.type) {
    case 'round':
      startRound(st, item, now);
      return;
    case 'missed': {
      const live = st.byId.get(item.monitorId);
      if (!live) return;
      st.counts.missed[item.missed.reason] += 1;
      st.buffer.missed(live.historyId, item.missed.region, item.due);
      stepMonitor(st, live, { type: 'missed', missed: item.missed });
      return;
    }
    case 'wake': {
      const live = st.byId.get(item.monitorId);
      if (live) stepMonitor(st, live, { type: 'tick' });
      return;
    }
    case 'expired': {
      for (const job of st.queue.cancelRound(item.round.id)) missedJob(st, job, 'lease_expired', false);
      return;
    }
  }
}

function startRound(st: EngineState, item: Extract<SchedulerItem, { type: 'round' }>, now: number): void {
  const live = st.byId.get(item.monitorId);
  if (!live) return;
  const periodic = item.round.purpose === 'scheduled' || item.round.purpose === 'down-round';
  if (periodic) live.lastRoundAt = item.due;
  for (const region of item.regions) {
    st.jobSeq += 1;
    const job = newJob({
      jobId: `${st.jobPrefix}${st.jobSeq.toString(36)}`,
      monitorId: live.id,
      historyId: live.historyId,
      round: item.round,
      periodic,
      region,
      roundRegions: item.regions,
      due: item.due,
      createdAt: now,
      deadline: item.deadline,
      timeout: live.spec.timeout,
      spec: live.jobSpec,
      secrets: live.secrets,
    });
    st.queue.add(job);
  }
}

/** What a queue sweep or an expired runner gave back: re-queued jobs, and missed ones. */
export function onQueue(st: EngineState, out: QueueOutcome): void {
  st.counts.requeued += out.requeued.length;
  for (const job of out.requeued) {
    st.o.log.info({ job: job.jobId, monitor: job.monitorId, region: job.region }, 'job re-queued');
  }
  for (const { job, reason } of out.missed) missedJob(st, job, reason, true);
}

/** A job that will never answer: no vote, only the verdict's bookkeeping. */
function missedJob(st: EngineState, job: QueuedJob, reason: MissReason, report: boolean): void {
  st.counts.missed[reason] += 1;
  const live = st.byHistory.get(job.historyId);
  if (!live) return;
  st.buffer.missed(live.historyId, job.region, job.due);
  if (report && job.periodic) st.scheduler.report(live.id, job.round.id);
  stepMonitor(st, live, {
    type: 'missed',
    missed: { jobId: job.jobId, round: job.round, region: job.region, reason, message: null },
  });
}

/** Where a job whose lease expired runs again when its own region has no other runner. */
export function alternateRegion(st: EngineState, job: QueuedJob): string | null {
  const live = st.byHistory.get(job.historyId);
  if (!live) return null;
  // Never a region that already has a say in this round (a dispatched job, or a vote cast such
  // as the failure a verification started from): one vantage point must not vote twice.
  const used = new Set([...job.roundRegions, job.region]);
  const round = live.state.round;
  if (round && round.id === job.round.id) for (const v of round.votes) used.add(v.region);
  const voting = votingRegions(live.spec.regions, st.regionView).filter((r) => !used.has(r));
  const any = monitorRegions(live.spec.regions, st.regionView.live).filter((r) => !used.has(r));
  return pickOne(voting.length > 0 ? voting : any, null, st.o.rng);
}
