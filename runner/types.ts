// The runner's public shapes: its options, the session a registration gives, its state and
// counters, and the handle startRunner returns (runner.ts).

import type { Logger } from '../common/log.ts';
import type { BackoffOptions } from '../common/retry.ts';
import type { TargetGuard } from '../probe/target-guard.ts';
import type { CheckResult } from '../probe/types.ts';
import type { Secrets } from '../schema/types.ts';
import type { RunnerFatalError } from './errors.ts';
import type { JobSpec, RunnerTransport } from './protocol.ts';

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
  /** Refuses private and internal targets (VIGIL_BLOCK_PRIVATE_TARGETS); default none. */
  targetGuard?: TargetGuard | null;
  logger?: Logger;
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
  /** Replaced in place when a heartbeat renews the session. */
  token: string;
  /** Epoch ms the session ends unless renewed; null when the collector set no end. */
  expiresAt: number | null;
  region: string;
  name: string;
  concurrency: number;
  heartbeatInterval: number;
  maxClaimWait: number;
  /** 1 for the first registration, 2+ after re-registrations. */
  registration: number;
  /** Renewals of this session so far. */
  renewals: number;
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
