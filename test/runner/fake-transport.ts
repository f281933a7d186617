// A small in-memory collector side for testing the runner LOOP's own logic (batching, backoff,
// buffer bound, re-registration, drain). The end-to-end tests in test/e2e use the real collector.
// Failures are injected per call; every call is recorded in order.

import { probeSpecFor } from '../../probe/spec.ts';
import type { CheckResult } from '../../probe/types.ts';
import type {
  ClaimRequest,
  ClaimResponse,
  HeartbeatRequest,
  Job,
  JobResult,
  RegisterRequest,
  RegisterResponse,
  ResultsRequest,
  ResultsResponse,
  RunnerTransport,
} from '../../runner/protocol.ts';

export class FakeError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly retryAfterMs: number | null;
  constructor(code: string, statusCode: number, message = code, retryAfterMs: number | null = null) {
    super(message);
    this.code = code;
    this.statusCode = statusCode;
    this.retryAfterMs = retryAfterMs;
  }
}

export const unreachable = () => new FakeError('VIGIL_ERR_UNREACHABLE', 0, 'cannot reach the collector');
export const unauthorized = () =>
  new FakeError('VIGIL_ERR_UNAUTHORIZED', 401, 'region key for a was refused by fake');
export const runnerUnknown = () => new FakeError('VIGIL_ERR_RUNNER_UNKNOWN', 401, 'unknown runner');

export type CallRecord =
  | { call: 'register'; request: RegisterRequest }
  | { call: 'claim'; token: string; request: ClaimRequest; jobs: string[] }
  | { call: 'results'; token: string; jobIds: string[]; outcome: 'ok' | 'error' }
  | { call: 'heartbeat'; token: string; request: HeartbeatRequest }
  | { call: 'deregister'; token: string };

/** A failure to inject: thrown by the next calls of that kind, `times` times (default once). */
type Injector = { error: () => Error; times: number; afterEffect?: boolean };

export class FakeTransport implements RunnerTransport {
  calls: CallRecord[] = [];
  /** Stored results by job id (what the collector kept). */
  stored = new Map<string, JobResult>();
  /** Job ids the collector refuses (expired lease). */
  expired = new Set<string>();
  liveTokens = new Set<string>();
  #pending: Job[] = [];
  #waiters: (() => void)[] = [];
  #failures = new Map<string, Injector[]>();
  #registrations = 0;
  heartbeatInterval = 15_000;
  maxClaimWait = 25_000;
  /** Answer claims with `drain: true` while set. */
  draining = false;
  /** ms each results call takes (a slow collector). */
  resultsDelayMs = 0;

  /** Makes the next `times` calls of `call` throw. `afterEffect`: results are stored, then the answer is lost. */
  fail(
    call: 'register' | 'claim' | 'results' | 'heartbeat' | 'deregister',
    error: () => Error,
    times = 1,
    afterEffect = false,
  ): void {
    const list = this.#failures.get(call) ?? [];
    list.push({ error, times, afterEffect });
    this.#failures.set(call, list);
  }

  /** Every call of `call` fails until `heal()`. */
  failAlways(call: 'register' | 'claim' | 'results' | 'heartbeat', error: () => Error): void {
    this.fail(call, error, Number.POSITIVE_INFINITY);
  }

  heal(call: string): void {
    this.#failures.delete(call);
  }

  /** Forget every session: the next session call gets VIGIL_ERR_RUNNER_UNKNOWN. */
  forgetSessions(): void {
    this.liveTokens.clear();
  }

  enqueue(...jobs: Job[]): void {
    this.#pending.push(...jobs);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  get pendingJobs(): number {
    return this.#pending.length;
  }

  callsOf<C extends CallRecord['call']>(call: C): Extract<CallRecord, { call: C }>[] {
    return this.calls.filter((c): c is Extract<CallRecord, { call: C }> => c.call === call);
  }

  #injected(call: string): Injector | null {
    const list = this.#failures.get(call);
    const head = list?.[0];
    if (head === undefined) return null;
    head.times -= 1;
    if (head.times <= 0) list!.shift();
    return head;
  }

  #session(token: string): void {
    if (!this.liveTokens.has(token)) throw runnerUnknown();
  }

  async register(request: RegisterRequest): Promise<RegisterResponse> {
    this.calls.push({ call: 'register', request });
    const failure = this.#injected('register');
    if (failure !== null) throw failure.error();
    this.#registrations += 1;
    const token = `token-${this.#registrations}`;
    this.liveTokens.add(token);
    return {
      runnerId: `runner-${this.#registrations}`,
      token,
      heartbeatInterval: this.heartbeatInterval,
      maxClaimWait: this.maxClaimWait,
    };
  }

  async claim(token: string, request: ClaimRequest, signal?: AbortSignal): Promise<ClaimResponse> {
    const record: CallRecord = { call: 'claim', token, request, jobs: [] };
    this.calls.push(record);
    const failure = this.#injected('claim');
    if (failure !== null) throw failure.error();
    this.#session(token);
    if (this.draining) return { jobs: [], drain: true };
    if (this.#pending.length === 0 && request.wait > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(done, request.wait);
        const onAbort = () => {
          clearTimeout(timer);
          this.#waiters = this.#waiters.filter((w) => w !== done);
          reject(new FakeError('VIGIL_ERR_ABORTED', 0, 'aborted'));
        };
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#waiters.push(done);
      });
    }
    this.#session(token);
    const jobs = this.#pending.splice(0, request.max);
    record.jobs = jobs.map((j) => j.jobId);
    return { jobs };
  }

  async results(token: string, request: ResultsRequest): Promise<ResultsResponse> {
    const jobIds = request.results.map((r) => r.jobId);
    if (this.resultsDelayMs > 0) await new Promise((r) => setTimeout(r, this.resultsDelayMs));
    const failure = this.#injected('results');
    if (failure !== null && !failure.afterEffect) {
      this.calls.push({ call: 'results', token, jobIds, outcome: 'error' });
      throw failure.error();
    }
    try {
      this.#session(token);
    } catch (error) {
      this.calls.push({ call: 'results', token, jobIds, outcome: 'error' });
      throw error;
    }
    const answer: ResultsResponse = { accepted: [], duplicates: [], rejected: [] };
    for (const item of request.results) {
      if (this.expired.has(item.jobId)) answer.rejected.push(item.jobId);
      else if (this.stored.has(item.jobId)) answer.duplicates.push(item.jobId);
      else {
        this.stored.set(item.jobId, item);
        answer.accepted.push(item.jobId);
      }
    }
    if (failure !== null) {
      this.calls.push({ call: 'results', token, jobIds, outcome: 'error' });
      throw failure.error(); // stored, but the answer never arrives
    }
    this.calls.push({ call: 'results', token, jobIds, outcome: 'ok' });
    return answer;
  }

  async heartbeat(token: string, request: HeartbeatRequest): Promise<{ ok: true }> {
    this.calls.push({ call: 'heartbeat', token, request });
    const failure = this.#injected('heartbeat');
    if (failure !== null) throw failure.error();
    this.#session(token);
    return { ok: true };
  }

  async deregister(token: string): Promise<void> {
    this.calls.push({ call: 'deregister', token });
    const failure = this.#injected('deregister');
    if (failure !== null) throw failure.error();
    this.#session(token);
    this.liveTokens.delete(token);
  }
}

let nextJob = 0;
export function job(overrides: Partial<Job> = {}): Job {
  nextJob += 1;
  return {
    jobId: `job-${nextJob}`,
    monitorId: 'site',
    purpose: 'scheduled',
    roundId: `round-${nextJob}`,
    deadline: Date.now() + 60_000,
    spec: probeSpecFor('http://127.0.0.1:9/', { timeout: 5_000 }),
    secrets: {},
    ...overrides,
  };
}

export function jobs(count: number): Job[] {
  return Array.from({ length: count }, () => job());
}

/** A CheckResult as a probe would return it; the loop does not look inside. */
export function checkResult(ok = true): CheckResult {
  return {
    ok,
    reason: ok ? null : 'status',
    message: ok ? '200 OK' : 'status 500',
    phase: null,
    status: ok ? 200 : 500,
    httpVersion: '1.1',
    remote: { ip: '127.0.0.1', family: 4, port: 9 },
    timings: { resolve: null, connect: 1, tls: null, processing: 1, transfer: 0, total: 2 },
    tls: null,
    redirects: [],
    assertions: [],
    startedAt: new Date().toISOString(),
  };
}

/** Polls `condition` every 10 ms until true; fails after `timeoutMs` (generous: no timing claim). */
export async function until(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
