// The engine: the timer and I/O wrapper around the pure Scheduler, the verdict's `step` and the
// ImpairmentDetector (the loop test/verdict/world.ts simulates, with real runners and storage).
//
//   start()       loads monitors, their stored states and runner sessions; replays the last
//                 10 minutes of checks into the impairment detector; starts the tick loop.
//   tick          runner liveness -> region view; expired leases and deadlines (job queue);
//                 scheduler items -> jobs on region queues / missed / wake-ups; every 10 s the
//                 impairment detector. A tick is synchronous; the next one is set for the
//                 scheduler's next due time (at most `tickMs` later).
//   results(...)  a runner's results: accepted (a vote, stored by the next flush), duplicate, or
//                 rejected (unknown or expired job: never a vote). See acceptResults.
//   reconcile()   after a sync: create / update / rename / replace / delete / pause, by lineage.
//   status(id), stats()  for the API.
//
// Persistence is write-behind (write-buffer.ts): check rows, logs, marks, the monitor's state,
// incident events and runner records go out in one transaction per flush. Incident events reach
// the store's IncidentEventSink inside that same transaction (the outbox hook, ARCHITECTURE.md "Invariants").
//
// Choices:
// - After a restart, rounds that were open (verifying, recovering, down rounds) lost their jobs:
//   those jobs count as missed at once (the round decides with the votes it has) instead of
//   waiting out the round's deadline.
// - Lateness = claim time - due time, per job (the benchmark's figure), in `stats().lateness`.
// - A check's start time is the runner's `startedAt` when plausible, else the claim time.
import type { CheckResult } from '../../probe/types.ts';
import type { Job, JobResult, JobSpec, ResultsResponse } from '../../runner/protocol.ts';
import type { MonitorSpec } from '../../schema/types.ts';
import type { RegionView } from '../domain/regions.ts';
import type { RunnerSession } from '../fleet/registry.ts';
import type { QueuedJob } from '../jobs/types.ts';
import type { RuntimeMonitorRecord, StoredState } from '../store/runtime-types.ts';
import { initialState } from '../verdict/machine.ts';
import { buildCheck } from './check-record.ts';
import { EngineCore } from './engine-core.ts';
import { memoryMb } from './stats.ts';
import type { EngineStats, Live, MonitorStatus } from './types.ts';

export type { EngineLog, EngineOptions, EngineStats, MonitorStatus } from './types.ts';

export class Engine extends EngineCore {
  // ------------------------------------------------------------------ monitors

  protected add(m: RuntimeMonitorRecord, stored: StoredState | null): void {
    const { record } = m;
    const now = this.o.clock();
    let state = stored?.verdict ?? initialState(now);
    if (state.round && state.round.deadline > now) {
      // Its jobs were lost with the previous process: they count as missed now.
      state = { ...state, round: { ...state.round, deadline: now } };
    }
    const spec = this.interner.intern(record.spec);
    const live: Live = {
      historyId: record.historyId,
      id: record.id,
      record: { ...record, spec },
      spec,
      jobSpec: toJobSpec(spec),
      secrets: m.secrets,
      state,
      lastRoundAt: stored?.lastRoundAt ?? null,
      lastResults: new Map((stored?.lastResults ?? []).map((r) => [r.region, r])),
    };
    this.byId.set(live.id, live);
    this.byHistory.set(live.historyId, live);
    this.upsertScheduler(live);
    this.step(live, { type: 'tick' });
  }

  protected upsertScheduler(live: Live): void {
    this.scheduler.upsert({
      id: live.id,
      interval: live.spec.interval,
      timeout: live.spec.timeout,
      regions: live.spec.regions,
      paused: live.spec.paused,
      lastRoundAt: live.lastRoundAt,
    });
  }

  protected remove(live: Live): void {
    this.step(live, { type: 'removed' });
    this.scheduler.remove(live.id);
    this.detector.forget(live.id);
    this.counts.missed.cancelled += this.queue.cancelMonitor(live.historyId).length;
    if (this.byId.get(live.id) === live) this.byId.delete(live.id);
    this.byHistory.delete(live.historyId);
    this.buffer.dropState(live.historyId);
  }

  /**
   * Brings the running set in line with the stored monitors (after a sync): new lineages start
   * pending, changed ones get their new spec (cadence, regions, pause, secrets) at once, renamed
   * ones keep state and history, deleted (or replaced) ones resolve what is open and stop.
   */
  reconcile(): Promise<void> {
    const run = this.reconciling.then(() => this.reconcileOnce());
    this.reconciling = run.catch(() => undefined);
    return run;
  }

  protected async reconcileOnce(): Promise<void> {
    if (!this.started || this.stopped) return;
    // Versions first (no specs): only new and changed lineages are loaded in full.
    const versions = await this.o.store.runtime.loadMonitorVersions();
    const wanted = versions
      .filter((v) => {
        const live = this.byHistory.get(v.historyId);
        return (
          !live ||
          live.record.revision !== v.revision ||
          live.record.specHash !== v.specHash ||
          live.id !== v.id
        );
      })
      .map((v) => v.historyId);
    const monitors = wanted.length > 0 ? await this.o.store.runtime.loadMonitors(wanted) : [];
    if (this.stopped) return;
    const current = new Set(versions.map((v) => v.historyId));
    for (const live of [...this.byHistory.values()]) if (!current.has(live.historyId)) this.remove(live);
    const changed: Array<{ live: Live; m: RuntimeMonitorRecord }> = [];
    for (const m of monitors) {
      const live = this.byHistory.get(m.record.historyId);
      if (live) {
        changed.push({ live, m });
        if (live.id !== m.record.id) {
          // Renamed: off the old id everywhere first (another monitor may be taking it).
          this.scheduler.remove(live.id);
          this.detector.forget(live.id);
          if (this.byId.get(live.id) === live) this.byId.delete(live.id);
        }
      }
    }
    for (const { live, m } of changed) {
      const renamed = live.id !== m.record.id;
      const spec = this.interner.intern(m.record.spec);
      live.id = m.record.id;
      live.record = { ...m.record, spec };
      live.spec = spec;
      live.jobSpec = toJobSpec(spec);
      live.secrets = m.secrets;
      this.byId.set(live.id, live);
      this.upsertScheduler(live);
      if (renamed) this.o.log.info({ monitor: live.id }, 'monitor renamed: state and history kept');
      this.step(live, { type: 'tick' });
    }
    for (const m of monitors) if (!this.byHistory.has(m.record.historyId)) this.add(m, null);
  }

  // ------------------------------------------------------------------ results

  /**
   * A batch of results from `runner`. Accepted: voted now, stored by the next flush. Duplicate:
   * answered before (a retried batch). Rejected: unknown job, expired lease, or leased to another
   * runner: never a vote, not stored.
   */
  async acceptResults(runner: RunnerSession, results: readonly JobResult[]): Promise<ResultsResponse> {
    const out: ResultsResponse = { accepted: [], duplicates: [], rejected: [] };
    const unknown: string[] = [];
    const now = this.o.clock();
    for (const { jobId, result } of results) {
      if (this.stopped) {
        out.rejected.push(jobId);
        continue;
      }
      if (this.recent.has(jobId) || this.buffer.pendingCheck(jobId)) {
        out.duplicates.push(jobId);
        continue;
      }
      const taken = this.queue.take(jobId, runner.id, now);
      if (taken.kind === 'ok') {
        this.accept(taken.job, taken.lease, runner, result, now);
        out.accepted.push(jobId);
      } else if (taken.kind === 'unknown') unknown.push(jobId);
      else out.rejected.push(jobId);
    }
    if (unknown.length > 0) {
      const stored = await this.o.store.runtime.storedJobs(unknown);
      for (const id of unknown) (stored.has(id) ? out.duplicates : out.rejected).push(id);
    }
    this.counts.accepted += out.accepted.length;
    this.counts.duplicates += out.duplicates.length;
    this.counts.rejected += out.rejected.length;
    return out;
  }

  /** True once the collector is closing (see JobBroker in collector/fleet/service.ts). */
  get draining(): boolean {
    return this.queue.closing;
  }

  /** Leases up to `max` due jobs of the runner's region to it, in their wire form. */
  async claim(runner: RunnerSession, max: number, wait: number, signal?: AbortSignal): Promise<Job[]> {
    const jobs = await this.queue.claim(runner, max, wait, signal);
    return jobs.map((job) => {
      this.noteClaimed(job);
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

  /** A runner left (deregistered): the leases it holds expire now (re-queued once). */
  runnerGone(runner: RunnerSession): void {
    this.onQueue(this.queue.expireRunner(runner.id));
  }

  /** Lateness of a job just leased (claim time minus due time), counted at its first lease. */
  noteClaimed(job: QueuedJob): void {
    const lease = job.lease;
    if (lease === null || job.firstClaimedAt !== lease.claimedAt) return;
    (job.periodic ? this.lateness.periodic : this.lateness.oneShot).record(lease.claimedAt - job.due);
  }

  protected accept(
    job: QueuedJob,
    lease: NonNullable<QueuedJob['lease']>,
    runner: RunnerSession,
    result: CheckResult,
    now: number,
  ): void {
    this.recent.add(job.jobId, now);
    runner.checks.add(now);
    const live = this.byHistory.get(job.historyId);
    const built = buildCheck(
      job,
      lease,
      live?.id ?? job.monitorId,
      result,
      live?.secrets ?? job.secrets,
      now,
    );
    this.buffer.check(built.check, built.log);
    if (!live) return;
    live.lastResults.set(job.region, built.summary);
    this.detector.record({
      monitorId: live.id,
      region: job.region,
      ok: built.check.ok,
      at: built.check.startedAt,
    });
    if (job.periodic) this.scheduler.report(live.id, job.round.id);
    this.step(live, {
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

  // ------------------------------------------------------------------ reading

  /** Live regions and the impaired ones (as the scheduler sees them). */
  get view(): RegionView {
    return this.regionView;
  }

  isImpaired(region: string): boolean {
    return this.detector.isImpaired(region);
  }

  regionHealth() {
    return this.detector.health(this.o.clock());
  }

  status(id: string): MonitorStatus | undefined {
    const live = this.byId.get(id);
    if (!live) return undefined;
    const s = live.state;
    return {
      state: s.state,
      since: s.since,
      note: s.note,
      lastCheckAt: s.lastCheckAt,
      score: s.score,
      incident: s.incident,
      lastResults: [...live.lastResults.values()].sort((a, b) => a.region.localeCompare(b.region)),
    };
  }

  stats(): EngineStats {
    const states: Record<string, number> = {};
    for (const live of this.byId.values()) states[live.state.state] = (states[live.state.state] ?? 0) + 1;
    const delay = this.loopDelay;
    return {
      now: this.o.clock(),
      monitors: this.byId.size,
      states,
      scheduler: this.scheduler.stats(),
      queue: this.queue.stats(),
      results: {
        accepted: this.counts.accepted,
        duplicates: this.counts.duplicates,
        rejected: this.counts.rejected,
      },
      missed: { ...this.counts.missed },
      requeued: this.counts.requeued,
      lateness: { periodic: this.lateness.periodic.snapshot(), oneShot: this.lateness.oneShot.snapshot() },
      flush: { ...this.buffer.stats, pending: this.buffer.pending },
      loop: {
        ticks: this.ticks,
        maxTickMs: Math.round(this.maxTickMs * 10) / 10,
        delayP99Ms: delay && delay.count > 0 ? Math.round(delay.percentile(99) / 1e4) / 100 : null,
        delayMaxMs: delay && delay.count > 0 ? Math.round(delay.max / 1e4) / 100 : null,
      },
      regions: this.regionView,
      memory: memoryMb(),
    };
  }
}

function toJobSpec(spec: MonitorSpec): JobSpec {
  return {
    url: spec.url,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    keywords: spec.keywords,
    forbidden_keywords: spec.forbidden_keywords,
    assertions: spec.assertions,
    timeout: spec.timeout,
    follow_redirects: spec.follow_redirects,
    tls: spec.tls,
    http: spec.http,
    ip: spec.ip,
  };
}
