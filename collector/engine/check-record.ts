// From a runner's CheckResult (and the job and lease it answers) to what is stored: the check
// row, the response log of a failing check, and the per-region summary the API shows. Secret
// values are redacted here once more (the runner already should), so nothing stored shows them.

import { reportedTimings } from '../../probe/phase-clock.ts';
import type { CheckResult, RedirectHop, ResponseLog } from '../../probe/types.ts';
import { redactDeep } from '../../schema/secrets.ts';
import type { Secrets } from '../../schema/types.ts';
import type { Lease, QueuedJob } from '../jobs/types.ts';
import type { CheckLogRecord, CheckRecord, RegionResult } from '../store/runtime-types.ts';

/** A runner's start time is trusted within this much of the claim (clocks differ a little). */
const START_SKEW = 2_000;
const MAX_MESSAGE = 2_000;

/**
 * When the check started: the runner's `startedAt` if it is plausible (not before the claim minus
 * a little skew, not after its arrival), else the claim time. Incident start times come from this.
 */
export function startTime(result: Pick<CheckResult, 'startedAt'>, lease: Lease, receivedAt: number): number {
  const reported = Date.parse(result.startedAt);
  if (
    Number.isFinite(reported) &&
    reported >= lease.claimedAt - START_SKEW &&
    reported <= receivedAt + START_SKEW
  ) {
    return reported;
  }
  return lease.claimedAt;
}

export interface Built {
  check: CheckRecord;
  log: CheckLogRecord | null;
  summary: RegionResult;
}

export function buildCheck(
  job: QueuedJob,
  lease: Lease,
  monitorId: string,
  result: CheckResult,
  secrets: Secrets,
  receivedAt: number,
): Built {
  const at = startTime(result, lease, receivedAt);
  const hasSecrets = Object.keys(secrets).length > 0;
  const clean = <T>(v: T): T => (hasSecrets ? redactDeep(v, secrets) : v);
  const ok = result.ok === true;
  const reason = ok ? null : (result.reason ?? 'protocol_error');
  const message = clean(String(result.message ?? '')).slice(0, MAX_MESSAGE);
  const log: ResponseLog | null = !ok && result.log ? clean(result.log) : null;
  // A phase the check never entered is null, also when an older runner sent 0 for it.
  const timings = reportedTimings(result.timings, result.phase);
  const check: CheckRecord = {
    id: job.jobId,
    historyId: job.historyId,
    monitorId,
    region: job.region,
    runner: lease.runnerId,
    purpose: job.round.purpose,
    roundId: job.round.id,
    startedAt: at,
    dueAt: job.due,
    claimedAt: lease.claimedAt,
    receivedAt,
    ok,
    reason,
    message,
    status: result.status ?? null,
    httpVersion: result.httpVersion ?? null,
    remoteIp: result.remote?.ip ?? null,
    remoteFamily: result.remote?.family ?? null,
    timings,
    tlsDaysLeft: result.tls?.daysLeft ?? null,
    detail: clean({
      phase: result.phase ?? null,
      tls: result.tls ?? null,
      redirects: (result.redirects ?? []).map(truthfulHop),
      assertions: result.assertions ?? [],
    }),
    mark: null,
    hasLog: log !== null,
  };
  return {
    check,
    log: log === null ? null : { jobId: job.jobId, historyId: job.historyId, startedAt: at, log },
    summary: {
      region: job.region,
      jobId: job.jobId,
      runner: lease.runnerId,
      purpose: job.round.purpose,
      ok,
      reason,
      message,
      status: check.status,
      totalMs: Number.isFinite(timings.total) ? timings.total : null,
      at,
      mark: null,
    },
  };
}

function truthfulHop(hop: RedirectHop): RedirectHop {
  return { ...hop, timings: reportedTimings(hop.timings, null) };
}
