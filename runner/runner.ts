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

import type { CheckResult } from '../probe/types.ts';
import type { Secrets } from '../schema/types.ts';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
import { classifyFailure, codeOf, RUNNER_ERROR_CODES, RunnerFatalError, retryAfterOf } from './errors.ts';
import { type RunnerLogger, silentLogger } from './logger.ts';
import type { Job, JobSpec, RegisterResponse, RunnerTransport } from './protocol.ts';
import { ResultBuffer } from './result-buffer.ts';

/** Runs one job's request. The default is the probe engine with one shared TLS context. */
export type RunJobProbe = (
  spec: JobSpec,
  options: { secrets: Secrets; region: string; version: string },
) => Promise<CheckResult>;

export interface RunnerOptions {
  transport: RunnerTransport;
  region: string;
  name: string;
  /** Jobs run at once (slots). */
  concurrency: number;
  /** Vigil's version: registered, and sent in the probe's User-Agent. */
  version: string;
  /** Extra CA certificates (PEM) trusted by probes, besides the system's. */
  caFile?: string;
  logger?: RunnerLogger;
  /** Called after every (re)registration, e.g. to print the line tools parse. */
  onRegistered?: (session: RunnerSession) => void;

  // Tuning. The defaults are the protocol's; tests and the embedded runner may shorten them.
  /** Replaces the probe engine (the default loads `../probe/index.ts`). */
  probe?: RunJobProbe;
  /** Results per POST (default 100). */
  batchSize?: number;
  /** ms a result may wait for others before its batch is posted (default 200). */
  flushIntervalMs?: number;
  /** Results held while the collector is unreachable (default 10 000). */
  maxBufferedResults?: number;
  /** ms a claim waits for work (default 25 000, never more than the collector's maxClaimWait). */
  claimWaitMs?: number;
  /** ms between heartbeats (default: what registration answers, 15 000). */
  heartbeatIntervalMs?: number;
  /** Backoff of retried calls (default 250 ms doubling up to 10 s, with jitter). */
  backoff?: BackoffOptions;
  /** ms stop() keeps trying to deliver results after the last job finished (default 30 000). */
  drainTimeoutMs?: number;
  /** ms to wait before claiming again after the collector asked to drain (default 5 000). */
  drainPauseMs?: number;
  random?: () => number;
}

export interface RunnerSession {
  runnerId: string;
  token: string;
  region: string;
  name: string;
  concurrency: number;
  heartbeatInterval: number;
  maxClaimWait: number;
  /** 1 for the first registration, 2+ after re-registrations. */
  registration: number;
}

export type RunnerState = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

export interface RunnerStats {
  state: RunnerState;
  runnerId: string | null;
  region: string;
  name: string;
  concurrency: number;
  inFlight: number;
  free: number;
  /** Jobs received from claims. */
  claimed: number;
  /** Jobs whose probe finished (ok or not). */
  completed: number;
  /** Jobs whose probe threw (not reported; the collector sees them as missed). */
  jobErrors: number;
  /** Results held, waiting to be posted. */
  buffered: number;
  /** Results the collector stored. */
  accepted: number;
  /** Results the collector already had (a retried batch). */
  duplicates: number;
  /** Results the collector refused (expired lease, unknown job, invalid). */
  rejected: number;
  /** Results dropped because the buffer was full. */
  dropped: number;
  /** Results still undelivered when the runner stopped. */
  lost: number;
  registrations: number;
  heartbeats: number;
  /** Failed calls to the collector (each retry counts). */
  callFailures: number;
  /** The collector confirmed the deregistration at stop. */
  deregistered: boolean;
}

export interface RunnerExit {
  /** Why the runner stopped on its own; null after stop(). */
  error: RunnerFatalError | null;
  stats: RunnerStats;
}

export interface RunnerHandle {
  /** The first registration; rejects when the runner fails or stops before registering. */
  readonly ready: Promise<RunnerSession>;
  /** Resolves (never rejects) once the runner has stopped, by stop() or on its own. */
  readonly done: Promise<RunnerExit>;
  /** Drains and deregisters; resolves once stopped. Idempotent. */
  stop(): Promise<void>;
  stats(): RunnerStats;
}

/** Thrown internally when the runner gives up waiting for a session because it is stopping. */
class StoppedError extends Error {
  override name = 'StoppedError';
}

const noop = () => undefined;

/** Most jobs one claim may ask for (the collector's limit). */
export const MAX_CLAIM = 500;

export function startRunner(options: RunnerOptions): RunnerHandle {
  const { transport, region, name, version } = options;
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
  }
  const concurrency = options.concurrency;
  const log = options.logger ?? silentLogger;
  const random = options.random ?? Math.random;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const maxBuffered = options.maxBufferedResults ?? 10_000;
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 100, maxBuffered));
  const flushIntervalMs = options.flushIntervalMs ?? 200;
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  const drainPauseMs = options.drainPauseMs ?? 5_000;

  const buffer = new ResultBuffer(maxBuffered);
  const inFlight = new Map<string, Promise<void>>();
  const counters = {
    claimed: 0,
    completed: 0,
    jobErrors: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    lost: 0,
    registrations: 0,
    heartbeats: 0,
    callFailures: 0,
  };
  let state: RunnerState = 'starting';
  let session: RunnerSession | null = null;
  let sessionPromise: Promise<RunnerSession> | null = null;
  let fatal: RunnerFatalError | null = null;
  let probe: RunJobProbe | null = options.probe ?? null;
  let deregistered = false;

  // `stopping`: no more claims. `giveUp`: stop every retry (end of drain, or fatal).
  const stopping = new AbortController();
  const giveUp = new AbortController();
  let claimCall: AbortController | null = null;
  let slotWaiters: (() => void)[] = [];

  let readyResolve: (s: RunnerSession) => void = noop;
  let readyReject: (e: Error) => void = noop;
  const ready = new Promise<RunnerSession>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  ready.catch(noop); // observed by whoever awaits it; never an unhandled rejection

  // ---- session -------------------------------------------------------------------------------

  function getSession(): Promise<RunnerSession> {
    if (session !== null) return Promise.resolve(session);
    if (fatal !== null) return Promise.reject(fatal);
    sessionPromise ??= registerLoop().finally(() => {
      sessionPromise = null;
    });
    return sessionPromise;
  }

  async function registerLoop(): Promise<RunnerSession> {
    for (let failures = 0; ; failures++) {
      if (giveUp.signal.aborted) throw new StoppedError('stopped before registering');
      try {
        const answer = await transport.register({ region, name, version, concurrency });
        checkRegisterResponse(answer);
        if (giveUp.signal.aborted) {
          // Stopped while the answer was on its way: hand the session straight back.
          await transport.deregister(answer.token).catch(noop);
          throw new StoppedError('stopped before registering');
        }
        counters.registrations += 1;
        session = {
          runnerId: answer.runnerId,
          token: answer.token,
          region,
          name,
          concurrency,
          heartbeatInterval: answer.heartbeatInterval,
          maxClaimWait: answer.maxClaimWait,
          registration: counters.registrations,
        };
        log.info(
          { runnerId: answer.runnerId, region, name, concurrency, registration: counters.registrations },
          counters.registrations === 1 ? 'registered' : 'registered again',
        );
        readyResolve(session);
        try {
          options.onRegistered?.(session);
        } catch (error) {
          log.error({ err: error }, 'onRegistered threw');
        }
        if (state === 'starting') state = 'running';
        return session;
      } catch (error) {
        if (giveUp.signal.aborted) throw new StoppedError('stopped before registering');
        counters.callFailures += 1;
        if (classifyFailure(error, 'register') === 'fatal') {
          const code = codeOf(error) ?? RUNNER_ERROR_CODES.registerRefused;
          const message =
            code === RUNNER_ERROR_CODES.unauthorized
              ? (error as Error).message
              : `the collector refused to register runner ${name} in region ${region}: ${(error as Error).message}`;
          fail(new RunnerFatalError(code, message, { cause: error }));
          throw fatal;
        }
        const delay = retryDelay(error, failures);
        log.warn({ err: error, attempt: failures + 1, retryInMs: delay }, 'registration failed; retrying');
        await sleep(delay, giveUp.signal);
      }
    }
  }

  /** The collector no longer knows `stale`: forget it so the next call registers again. */
  function forgetSession(stale: RunnerSession): void {
    if (session === stale) {
      session = null;
      log.warn({ runnerId: stale.runnerId }, 'the collector no longer knows this runner; registering again');
    }
  }

  function fail(error: RunnerFatalError): void {
    if (fatal !== null) return;
    fatal = error;
    log.error({ code: error.code, err: error }, error.message);
    readyReject(error);
    stopping.abort();
    claimCall?.abort();
    giveUp.abort();
    wakeSlotWaiters();
  }

  function retryDelay(error: unknown, failures: number): number {
    return Math.max(backoffDelay(failures, backoff, random), retryAfterOf(error) ?? 0);
  }

  // ---- claiming and running jobs ---------------------------------------------------------------

  async function claimLoop(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      const free = concurrency - inFlight.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => slotWaiters.push(resolve));
        continue;
      }
      let current: RunnerSession;
      try {
        current = await raceStop(getSession());
      } catch (error) {
        if (error instanceof StoppedError || fatal !== null) return;
        throw error;
      }
      const wait = Math.max(0, Math.min(options.claimWaitMs ?? 25_000, current.maxClaimWait));
      const call = new AbortController();
      claimCall = call;
      const started = Date.now();
      let jobs: Job[];
      let drain = false;
      try {
        const answer = await transport.claim(
          current.token,
          { max: Math.min(free, MAX_CLAIM), wait, inFlight: inFlight.size },
          call.signal,
        );
        jobs = Array.isArray(answer.jobs) ? answer.jobs : [];
        drain = answer.drain === true;
        failures = 0;
      } catch (error) {
        if (stopping.signal.aborted) return;
        counters.callFailures += 1;
        const action = classifyFailure(error, 'session');
        if (action === 'reregister') {
          forgetSession(current);
          continue;
        }
        const delay = retryDelay(error, failures++);
        log.warn({ err: error, code: codeOf(error), retryInMs: delay }, 'claim failed; retrying');
        await sleep(delay, stopping.signal);
        continue;
      } finally {
        claimCall = null;
      }
      // Jobs handed over are run even when stop() began meanwhile: their leases are ours now.
      for (const job of jobs) startJob(job);
      if (drain && !stopping.signal.aborted) {
        log.info({ pauseMs: drainPauseMs }, 'the collector asked runners to drain; pausing claims');
        await sleep(drainPauseMs, stopping.signal);
      } else if (jobs.length === 0 && Date.now() - started < 50) {
        // A collector that answers an empty claim at once (not long-polling) must not make us spin.
        await sleep(Math.min(250, wait), stopping.signal);
      }
    }
  }

  function startJob(job: Job): void {
    if (inFlight.has(job.jobId)) {
      log.warn({ jobId: job.jobId }, 'job claimed twice; running it once');
      return;
    }
    counters.claimed += 1;
    const run = runJob(job).finally(() => {
      inFlight.delete(job.jobId);
      counters.completed += 1;
      wakeSlotWaiters();
    });
    inFlight.set(job.jobId, run);
  }

  async function runJob(job: Job): Promise<void> {
    let result: CheckResult;
    try {
      if (probe === null) throw new Error('probe engine not loaded');
      result = await probe(job.spec, { secrets: job.secrets ?? {}, region, version });
    } catch (error) {
      // Not reported: the lease expires and the check is re-queued or missed, never a false vote.
      counters.jobErrors += 1;
      log.error(
        { err: error, jobId: job.jobId, monitorId: job.monitorId },
        'probe failed to run; job not reported',
      );
      return;
    }
    log.debug(
      {
        jobId: job.jobId,
        monitorId: job.monitorId,
        purpose: job.purpose,
        ok: result.ok,
        reason: result.reason,
      },
      'job done',
    );
    queueResult(job.jobId, result);
  }

  function wakeSlotWaiters(): void {
    const waiters = slotWaiters;
    slotWaiters = [];
    for (const wake of waiters) wake();
  }

  // ---- results -------------------------------------------------------------------------------

  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  let flushing: Promise<void> | null = null;
  let lastDropLog = 0;
  let batchLimit = batchSize;

  function queueResult(jobId: string, result: CheckResult): void {
    const dropped = buffer.push({ jobId, result });
    if (dropped > 0) {
      const now = Date.now();
      if (lastDropLog === 0 || now - lastDropLog >= 10_000) {
        lastDropLog = now;
        log.warn(
          { dropped: buffer.dropped, bound: maxBuffered },
          'result buffer full while the collector is unreachable; dropping the oldest results',
        );
      }
    }
    scheduleFlush();
  }

  function scheduleFlush(): void {
    if (flushing !== null) return; // the running flush takes new results as it goes
    if (buffer.size >= batchLimit) {
      void flush();
      return;
    }
    flushTimer ??= setTimeout(() => {
      flushTimer = null;
      void flush();
    }, flushIntervalMs);
  }

  /** Posts what is buffered. `all`: until empty (drain); else a partial batch waits for the timer. */
  function flush(all = false): Promise<void> {
    if (flushing !== null) return flushing;
    if (flushTimer !== null) {
      clearTimeout(flushTimer);
      flushTimer = null;
    }
    flushing = flushLoop(all).finally(() => {
      flushing = null;
      // Results that arrived while the last answer was on its way.
      if (buffer.size > 0 && !giveUp.signal.aborted) scheduleFlush();
    });
    return flushing;
  }

  async function flushLoop(all: boolean): Promise<void> {
    let failures = 0;
    let posted = 0;
    while (buffer.size > 0 && !giveUp.signal.aborted) {
      // Under a steady stream, results that came in during the last post wait for the flush timer
      // (or a full batch) instead of going out one post each.
      if (!all && posted > 0 && buffer.sending.length === 0 && buffer.size < batchLimit) return;
      let current: RunnerSession;
      try {
        current = await getSession();
      } catch {
        return; // fatal or given up: what is left is counted as lost when the runner stops
      }
      const batch = buffer.nextBatch(batchLimit);
      try {
        const answer = await transport.results(current.token, { results: [...batch] });
        buffer.settleBatch();
        failures = 0;
        posted += 1;
        counters.accepted += answer.accepted?.length ?? 0;
        counters.duplicates += answer.duplicates?.length ?? 0;
        const rejected = answer.rejected?.length ?? 0;
        counters.rejected += rejected;
        if (rejected > 0) {
          log.info(
            { rejected: answer.rejected },
            'the collector refused results of expired or unknown leases',
          );
        }
      } catch (error) {
        counters.callFailures += 1;
        const action = classifyFailure(error, 'session');
        if (action === 'reregister') {
          forgetSession(current);
          continue;
        }
        if (action === 'reject') {
          if ((error as { statusCode?: unknown }).statusCode === 413 && batch.length > 1) {
            // Later batches stay at the smaller size: the collector's limit does not change.
            batchLimit = buffer.shrinkBatch();
            log.warn({ batch: batchLimit }, 'results batch too large for the collector; splitting it');
            continue;
          }
          const refused = buffer.settleBatch();
          counters.rejected += refused.length;
          log.error(
            { err: error, code: codeOf(error), results: refused.length },
            'the collector refused a results batch; dropping it',
          );
          continue;
        }
        const delay = retryDelay(error, failures++);
        log.warn(
          { err: error, code: codeOf(error), buffered: buffer.size, retryInMs: delay },
          'posting results failed; retrying',
        );
        await sleep(delay, giveUp.signal);
      }
    }
  }

  // ---- heartbeat -----------------------------------------------------------------------------

  let heartbeatTimer: ReturnType<typeof setTimeout> | null = null;

  function scheduleHeartbeat(): void {
    if (giveUp.signal.aborted) return;
    const interval = Math.max(100, options.heartbeatIntervalMs ?? session?.heartbeatInterval ?? 15_000);
    heartbeatTimer = setTimeout(() => {
      heartbeatTimer = null;
      void heartbeat().finally(scheduleHeartbeat);
    }, interval);
  }

  async function heartbeat(): Promise<void> {
    const current = session;
    if (current === null) {
      // Lost the session while idle (all slots busy, or between claims): get a new one.
      void getSession().catch(noop);
      return;
    }
    const busy = inFlight.size;
    const free = stopping.signal.aborted ? 0 : Math.max(0, concurrency - busy);
    try {
      await transport.heartbeat(current.token, { inFlight: busy, free });
      counters.heartbeats += 1;
    } catch (error) {
      if (giveUp.signal.aborted) return;
      counters.callFailures += 1;
      if (classifyFailure(error, 'session') === 'reregister') {
        forgetSession(current);
        void getSession().catch(noop);
        return;
      }
      log.warn({ err: error, code: codeOf(error) }, 'heartbeat failed');
    }
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  function raceStop<T>(promise: Promise<T>): Promise<T> {
    if (stopping.signal.aborted) return Promise.reject(new StoppedError('stopping'));
    return new Promise<T>((resolve, reject) => {
      const onStop = () => reject(new StoppedError('stopping'));
      stopping.signal.addEventListener('abort', onStop, { once: true });
      promise.then(resolve, reject).finally(() => stopping.signal.removeEventListener('abort', onStop));
    });
  }

  async function main(): Promise<RunnerExit> {
    if (probe === null) {
      try {
        probe = await loadProbe(options.caFile);
      } catch (error) {
        // ProbeTlsConfigError (`ca_file_*`): the --ca-file is unreadable or holds no certificate.
        const caProblem = codeOf(error)?.startsWith('ca_file') === true;
        fail(
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
    if (fatal === null) {
      // Heartbeats start with the first session, at the interval the collector gave.
      void ready.then(scheduleHeartbeat, noop);
      try {
        await claimLoop();
      } catch (error) {
        log.error({ err: error }, 'claim loop ended unexpectedly; draining');
      }
    }

    state = fatal === null ? 'draining' : 'failed';
    if (fatal === null) log.info({ inFlight: inFlight.size }, 'draining: no new claims, finishing jobs');
    while (inFlight.size > 0) await Promise.allSettled([...inFlight.values()]);

    const deadline = setTimeout(() => giveUp.abort(), drainTimeoutMs);
    try {
      while (buffer.size > 0 && !giveUp.signal.aborted && fatal === null) await flush(true);
      counters.lost = buffer.size;
      if (counters.lost > 0) log.warn({ lost: counters.lost }, 'stopping with results not delivered');
      const last = session;
      if (last !== null && fatal === null) {
        try {
          await transport.deregister(last.token);
          deregistered = true;
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
      giveUp.abort();
      if (heartbeatTimer !== null) clearTimeout(heartbeatTimer);
      if (flushTimer !== null) clearTimeout(flushTimer);
      heartbeatTimer = null;
      flushTimer = null;
    }
    state = fatal === null ? 'stopped' : 'failed';
    readyReject(fatal ?? new StoppedError('stopped before registering'));
    return { error: fatal, stats: stats() };
  }

  function stats(): RunnerStats {
    return {
      state,
      runnerId: session?.runnerId ?? null,
      region,
      name,
      concurrency,
      inFlight: inFlight.size,
      free: state === 'running' || state === 'starting' ? Math.max(0, concurrency - inFlight.size) : 0,
      ...counters,
      buffered: buffer.size,
      dropped: buffer.dropped,
      deregistered,
    };
  }

  const done = main().catch((error: unknown): RunnerExit => {
    // main() handles every expected failure; this is a last guard so `done` never rejects.
    log.error({ err: error }, 'runner stopped unexpectedly');
    state = 'failed';
    const unexpected = new RunnerFatalError(
      'VIGIL_ERR_INTERNAL',
      `runner stopped: ${(error as Error).message}`,
    );
    return { error: unexpected, stats: stats() };
  });

  return {
    ready,
    done,
    stop() {
      if (!stopping.signal.aborted) {
        stopping.abort();
        claimCall?.abort();
        wakeSlotWaiters();
      }
      return done.then(noop);
    },
    stats,
  };
}

function checkRegisterResponse(answer: RegisterResponse): void {
  if (
    typeof answer?.runnerId !== 'string' ||
    typeof answer.token !== 'string' ||
    typeof answer.heartbeatInterval !== 'number' ||
    typeof answer.maxClaimWait !== 'number'
  ) {
    throw Object.assign(new Error('the collector answered the registration without a session'), {
      code: RUNNER_ERROR_CODES.badResponse,
    });
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The probe engine with one TLS context (system CAs plus `caFile`) shared by every job. */
async function loadProbe(caFile: string | undefined): Promise<RunJobProbe> {
  const engine = await import('../probe/index.ts');
  const tlsContext = await engine.createProbeTlsContext(caFile === undefined ? {} : { extraCaFile: caFile });
  return (spec, { secrets, region, version }) => engine.probe(spec, { secrets, region, version, tlsContext });
}
