// What every part of one runner shares: its settings, counters and state, the session, the jobs in
// flight, the result buffer and the two stop signals. `stopping` ends claiming (stop() or a fatal
// error); `giveUp` ends every retry (end of the drain, or fatal). The parts (session.ts,
// claims.ts, results.ts, heartbeat.ts) each hold one job; runner.ts wires them.

import { type Logger, silentLogger } from '../common/log.ts';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from '../common/retry.ts';
import { type RunnerFatalError, retryAfterOf } from './errors.ts';
import type { RunnerTransport } from './protocol.ts';
import { ResultBuffer } from './result-buffer.ts';
import type { RunJobProbe, RunnerOptions, RunnerSession, RunnerState } from './types.ts';

/** Thrown internally when the runner gives up waiting for a session because it is stopping. */
export class StoppedError extends Error {
  override name = 'StoppedError';
}

export const noop = () => undefined;

export class RunnerContext {
  readonly options: RunnerOptions;
  readonly transport: RunnerTransport;
  readonly region: string;
  readonly name: string;
  readonly version: string;
  readonly concurrency: number;
  readonly log: Logger;
  readonly random: () => number;
  readonly backoff: BackoffOptions;
  readonly maxBuffered: number;
  readonly buffer: ResultBuffer;
  readonly inFlight = new Map<string, Promise<void>>();
  readonly counters = {
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
  state: RunnerState = 'starting';
  session: RunnerSession | null = null;
  fatal: RunnerFatalError | null = null;
  probe: RunJobProbe | null;
  deregistered = false;
  readonly stopping = new AbortController();
  readonly giveUp = new AbortController();
  /** The claim in flight, aborted by stop() so a long poll does not hold the drain. */
  claimCall: AbortController | null = null;
  #slotWaiters: (() => void)[] = [];
  /** The first registration (rejected when the runner fails or stops before it). */
  readonly ready: Promise<RunnerSession>;
  readyResolve: (s: RunnerSession) => void = noop;
  readyReject: (e: Error) => void = noop;

  constructor(options: RunnerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    this.options = options;
    this.transport = options.transport;
    this.region = options.region;
    this.name = options.name;
    this.version = options.version;
    this.concurrency = options.concurrency;
    this.log = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.maxBuffered = options.maxBufferedResults ?? 10_000;
    this.buffer = new ResultBuffer(this.maxBuffered);
    this.probe = options.probe ?? null;
    this.ready = new Promise<RunnerSession>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.ready.catch(noop); // observed by whoever awaits it; never an unhandled rejection
  }

  /** Stops the runner on its own: no more claims, no more retries. The first error wins. */
  fail(error: RunnerFatalError): void {
    if (this.fatal !== null) return;
    this.fatal = error;
    this.log.error({ code: error.code, err: error }, error.message);
    this.readyReject(error);
    this.stopping.abort();
    this.claimCall?.abort();
    this.giveUp.abort();
    this.wakeSlotWaiters();
  }

  /** Backoff for retry number `failures`, or longer when the collector said Retry-After. */
  retryDelay(error: unknown, failures: number): number {
    return Math.max(backoffDelay(failures, this.backoff, this.random), retryAfterOf(error) ?? 0);
  }

  /** Resolves when a slot frees up (or the runner stops). */
  waitForSlot(): Promise<void> {
    return new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
  }

  wakeSlotWaiters(): void {
    const waiters = this.#slotWaiters;
    this.#slotWaiters = [];
    for (const wake of waiters) wake();
  }

  /** `promise`, or a StoppedError as soon as the runner is stopping. */
  raceStop<T>(promise: Promise<T>): Promise<T> {
    const stopping = this.stopping.signal;
    if (stopping.aborted) return Promise.reject(new StoppedError('stopping'));
    return new Promise<T>((resolve, reject) => {
      const onStop = () => reject(new StoppedError('stopping'));
      stopping.addEventListener('abort', onStop, { once: true });
      promise.then(resolve, reject).finally(() => stopping.removeEventListener('abort', onStop));
    });
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
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
