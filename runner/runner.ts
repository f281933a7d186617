// The runner loop, shared by the remote `vigil runner` process (HTTP transport) and the
// collector's embedded runner (in-process transport): one code path for both.
//
//   register ──> claim (long poll, up to `free` jobs) ──> probe each job ──> buffer ──> post in batches
//      ^                 │ RUNNER_UNKNOWN anywhere: register again, go on
//      └─────────────────┘ heartbeat every 15 s with in-flight and free slots
//
// Rules that keep the collector's verdict honest:
// - A job that cannot be run (a probe that throws: a runner bug) is not reported. Its lease
//   expires and the collector re-queues it or counts it missed; a runner fault is never a vote
//   for down.
// - Results are idempotent by job id, so a batch whose answer was lost is sent again as is.
// - While the collector is unreachable results wait in a bounded buffer (oldest dropped beyond
//   the bound, counted and logged); calls are retried with exponential backoff and jitter.
// - stop() (SIGTERM/SIGINT) drains: no new claims, in-flight jobs finish, results are posted
//   (for at most `drainTimeoutMs`), then the runner deregisters.
// Nothing a single job or a single call does can end the loop; only a registration the collector
// refuses for good (wrong region key) or an unusable CA file stops the runner on its own.
// The parts: context.ts (shared state), session.ts, claims.ts, results.ts, heartbeat.ts.

import type { TargetGuard } from '../probe/target-guard.ts';
import { claimLoop } from './claims.ts';
import { noop, RunnerContext, StoppedError } from './context.ts';
import { codeOf, RUNNER_ERROR_CODES, RunnerFatalError } from './errors.ts';
import { Heartbeat } from './heartbeat.ts';
import { ResultPoster } from './results.ts';
import { Sessions } from './session.ts';
import type { RunJobProbe, RunnerExit, RunnerHandle, RunnerOptions, RunnerStats } from './types.ts';

export { MAX_CLAIM } from './claims.ts';
export type {
  RunJobProbe,
  RunnerExit,
  RunnerHandle,
  RunnerOptions,
  RunnerSession,
  RunnerState,
  RunnerStats,
} from './types.ts';

export function startRunner(options: RunnerOptions): RunnerHandle {
  const ctx = new RunnerContext(options);
  const sessions = new Sessions(ctx);
  const results = new ResultPoster(ctx, sessions);
  const heartbeat = new Heartbeat(ctx, sessions);
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  const { log, counters } = ctx;

  async function main(): Promise<RunnerExit> {
    if (ctx.probe === null) {
      try {
        ctx.probe = await loadProbe(options.caFile, options.targetGuard ?? null);
      } catch (error) {
        // ProbeTlsConfigError (`ca_file_*`): the --ca-file is unreadable or holds no certificate.
        const caProblem = codeOf(error)?.startsWith('ca_file') === true;
        ctx.fail(
          new RunnerFatalError(
            caProblem ? RUNNER_ERROR_CODES.caFile : 'VIGIL_ERR_INTERNAL',
            caProblem
              ? `--ca-file is unusable: ${(error as Error).message}`
              : `cannot load the probe engine: ${(error as Error).message}`,
            { cause: error },
          ),
        );
      }
    }
    if (ctx.fatal === null) {
      // Heartbeats start with the first session, at the interval the collector gave.
      void ctx.ready.then(() => heartbeat.schedule(), noop);
      try {
        await claimLoop(ctx, sessions, results);
      } catch (error) {
        log.error({ err: error }, 'claim loop ended unexpectedly; draining');
      }
    }
    await drain();
    ctx.state = ctx.fatal === null ? 'stopped' : 'failed';
    ctx.readyReject(ctx.fatal ?? new StoppedError('stopped before registering'));
    return { error: ctx.fatal, stats: stats() };
  }

  /** Finishes the jobs in flight, delivers their results (for at most drainTimeoutMs), deregisters. */
  async function drain(): Promise<void> {
    ctx.state = ctx.fatal === null ? 'draining' : 'failed';
    if (ctx.fatal === null)
      log.info({ inFlight: ctx.inFlight.size }, 'draining: no new claims, finishing jobs');
    while (ctx.inFlight.size > 0) await Promise.allSettled([...ctx.inFlight.values()]);

    const deadline = setTimeout(() => ctx.giveUp.abort(), drainTimeoutMs);
    try {
      while (ctx.buffer.size > 0 && !ctx.giveUp.signal.aborted && ctx.fatal === null)
        await results.flush(true);
      counters.lost = ctx.buffer.size;
      if (counters.lost > 0) log.warn({ lost: counters.lost }, 'stopping with results not delivered');
      const last = ctx.session;
      if (last !== null && ctx.fatal === null) {
        try {
          await ctx.transport.deregister(last.token);
          ctx.deregistered = true;
          log.info({ runnerId: last.runnerId }, 'deregistered');
        } catch (error) {
          log.warn(
            { err: error, code: codeOf(error) },
            'deregister failed; the collector will time the runner out',
          );
        }
      }
    } finally {
      clearTimeout(deadline);
      ctx.giveUp.abort();
      heartbeat.stop();
      results.stopTimer();
    }
  }

  function stats(): RunnerStats {
    const { state, concurrency, inFlight } = ctx;
    return {
      state,
      runnerId: ctx.session?.runnerId ?? null,
      region: ctx.region,
      name: ctx.name,
      concurrency,
      inFlight: inFlight.size,
      free: state === 'running' || state === 'starting' ? Math.max(0, concurrency - inFlight.size) : 0,
      ...counters,
      buffered: ctx.buffer.size,
      dropped: ctx.buffer.dropped,
      deregistered: ctx.deregistered,
    };
  }

  const done = main().catch((error: unknown): RunnerExit => {
    // main() handles every expected failure; this is a last guard so `done` never rejects.
    log.error({ err: error }, 'runner stopped unexpectedly');
    ctx.state = 'failed';
    const unexpected = new RunnerFatalError(
      'VIGIL_ERR_INTERNAL',
      `runner stopped: ${(error as Error).message}`,
    );
    return { error: unexpected, stats: stats() };
  });

  return {
    ready: ctx.ready,
    done,
    stop() {
      if (!ctx.stopping.signal.aborted) {
        ctx.stopping.abort();
        ctx.claimCall?.abort();
        ctx.wakeSlotWaiters();
      }
      return done.then(noop);
    },
    stats,
  };
}

/**
 * The probe engine with one TLS context (system CAs plus `caFile`) and the runner's target guard,
 * shared by every job.
 */
async function loadProbe(caFile: string | undefined, targetGuard: TargetGuard | null): Promise<RunJobProbe> {
  const engine = await import('../probe/index.ts');
  const tlsContext = await engine.createProbeTlsContext(caFile === undefined ? {} : { extraCaFile: caFile });
  return (spec, { secrets, region, version }) =>
    engine.probe(spec, { secrets, region, version, tlsContext, targetGuard });
}
