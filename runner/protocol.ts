// RUNNER SIDE (runner/: runner.ts, http-transport.ts, embedded.ts, errors.ts):
// - Transports throw errors carrying `code` (VIGIL_ERR_*) and `statusCode` (0 = no HTTP answer);
//   the runner loop acts on those two fields only (errors.ts `classifyFailure`): on a session call
//   VIGIL_ERR_RUNNER_UNKNOWN or VIGIL_ERR_UNAUTHORIZED = register again; no answer, 5xx, 408, 429
//   or a throw without a code = retry with backoff (Retry-After honoured); other 4xx = give up on
//   that request (a results batch: 413 splits it, anything else drops it, counted as rejected).
//   At register, VIGIL_ERR_UNAUTHORIZED or another 4xx stops the runner (exit 1).
// - claim's `signal` aborts a pending long poll when the runner drains: an in-process transport
//   should honour it (and not lease jobs to an aborted claim), or drain waits for `wait` ms.
// - A job whose probe throws is not reported (its lease expires: missed, never a down vote).
// - Additive (runner helper): `EmbeddedRunnerOptions.logger` (optional, pino-shaped).
// COLLECTOR SIDE (implemented in collector/fleet/, collector/jobs/, collector/api/runners.ts):
// - Bodies: register/claim/heartbeat/deregister use the normal body limit (1 MiB); results accept
//   up to 16 MiB: keep a batch under that (e.g. at most 100 results; a failing result's log body
//   is at most 64 KiB). Unknown keys in request bodies are a 400 (strict schemas).
// - claim: `max` 1..500 (0 is allowed: just a liveness ping), `wait` 0..25 000 ms (larger is
//   capped). The answer comes as soon as at least one job is ready, else after `wait` with
//   `jobs: []`. While the collector closes, pending claims answer at once with `drain: true`.
// - Job.deadline = claim time + the monitor's timeout + 15 s: a result received after it is
//   `rejected` while the job waits for another runner, or stored as late (no vote) once the job
//   was missed. Send results promptly.
// - results: `accepted` / `duplicates` / `rejected` by jobId as documented below; a result is
//   rejected when its job is unknown, or waits for (or was leased to) another runner. A result
//   whose job was missed meanwhile (the runner was cut off) is accepted from a runner of its
//   region for an hour after its round's deadline, stored as late, never a vote.
// - 401 VIGIL_ERR_RUNNER_UNKNOWN on claim/results/heartbeat/deregister: register again.
// - Heartbeats and claims both count as "seen"; silence of 45 s = offline, leases re-queued.
// - Sessions are bound to the region key that made them and live VIGIL_RUNNER_SESSION_TTL_MS
//   (24 h): a heartbeat past half of it answers a new `token`. A rotated or removed key, or an
//   expired session, answers 401 RUNNER_UNKNOWN: the runner registers again with its key.
// - Results that arrive after their round is over (a runner cut off for a while) are stored as
//   `late` and answered `accepted`, but never counted as votes.
// EMBEDDED RUNNER (the collector starts it; the runner side provides it):
//   runner/embedded.ts must export `startEmbeddedRunner: StartEmbeddedRunner` (below).
//   server.ts calls it after listening when VIGIL_EMBEDDED_RUNNER is not false, with the
//   in-process transport from collector/fleet/in-process-transport.ts (register needs no key
//   there: `token` from register is the session token as usual), region `local`, and on close
//   awaits `stop()` (drain: stop claiming, finish, report, deregister) before closing the app.
//   In-process, `Job.spec` and `Job.secrets` are the engine's own objects (shared, partly
//   frozen): read them, never mutate them. Results are not copied either: do not reuse a
//   CheckResult object after posting it.
// The runner protocol: what a regional runner and the collector say to each other.
// Remote runners speak it over HTTP (routes under /v1/runners); the embedded runner calls the
// same collector services in-process through `RunnerTransport`, so both take one code path.
//
// POST /v1/runners/register   Authorization: Bearer <region key>      RegisterRequest  -> RegisterResponse
// POST /v1/runners/claim      Authorization: Bearer <session token>   ClaimRequest     -> ClaimResponse (long poll)
// POST /v1/runners/results    Authorization: Bearer <session token>   ResultsRequest   -> ResultsResponse
// POST /v1/runners/heartbeat  Authorization: Bearer <session token>   HeartbeatRequest -> HeartbeatResponse
// POST /v1/runners/deregister Authorization: Bearer <session token>   {}               -> 204
// Errors are ApiError bodies: 401 VIGIL_ERR_UNAUTHORIZED (wrong region key: the message names the
// region), 401 VIGIL_ERR_RUNNER_UNKNOWN (session expired or deregistered: register again).

import type { Logger } from '../common/log.ts';
import type { ProbeSpec } from '../probe/spec.ts';
import type { TargetGuard } from '../probe/target-guard.ts';
import type { CheckResult } from '../probe/types.ts';
import type { Secrets } from '../schema/types.ts';

/** Longest long poll a claim may ask for (ms); register answers it as `maxClaimWait`. */
export const MAX_CLAIM_WAIT = 25_000;

export type JobPurpose = 'scheduled' | 'verify' | 'down-round' | 'recovery';

/** The request part of a monitor: what a runner needs to probe it. Secrets stay `${NAME}`. */
export type JobSpec = ProbeSpec;

export interface RegisterRequest {
  region: string;
  name: string;
  version: string;
  concurrency: number;
}
export interface RegisterResponse {
  runnerId: string;
  /** Session token for every later call. */
  token: string;
  /** ms between heartbeats (15 000). */
  heartbeatInterval: number;
  /** Longest claim wait the collector honours, ms (25 000). */
  maxClaimWait: number;
  /**
   * Epoch ms the session ends unless renewed (absent: no end, e.g. the embedded runner). A
   * heartbeat past half the lifetime renews it; after it, calls answer 401 RUNNER_UNKNOWN.
   */
  expiresAt?: number;
}

export interface ClaimRequest {
  /** Free slots: the most jobs the runner takes now. */
  max: number;
  /** ms to wait for work when none is ready (≤ maxClaimWait). */
  wait: number;
  inFlight: number;
}
export interface Job {
  jobId: string;
  monitorId: string;
  purpose: JobPurpose;
  roundId: string;
  /** Epoch ms: the lease ends here; a result after it may be ignored. */
  deadline: number;
  spec: JobSpec;
  /** Values of the `${NAME}` the spec references, for this job only. */
  secrets: Secrets;
  /**
   * Opaque, signed by the collector: sent back with the job's result, so that any collector of the
   * cluster can store it if the one that leased it is gone (collector/fleet/ticket.ts).
   */
  ticket?: string;
}
export interface ClaimResponse {
  jobs: Job[];
  /** True when the collector wants the runner to stop claiming (shutting down). */
  drain?: boolean;
}

export interface JobResult {
  jobId: string;
  result: CheckResult;
  /** The job's `ticket`, as claimed. */
  ticket?: string;
}
export interface ResultsRequest {
  results: JobResult[];
}
export interface ResultsResponse {
  /**
   * Taken as a vote now; written to the store with the engine's next flush (within 200 ms, one
   * transaction for everything buffered). A collector killed inside that window loses them, as it
   * loses its in-memory job queue: the round is then missed, never a vote for down.
   */
  accepted: string[];
  /** Already stored before (a retried batch): fine, idempotent. */
  duplicates: string[];
  /**
   * Unknown job, or one leased again to another runner (its answer counts): not stored; the runner
   * drops them. A job missed while its result was on its way is `accepted` (stored as late).
   */
  rejected: string[];
}

export interface HeartbeatRequest {
  inFlight: number;
  free: number;
}
export interface HeartbeatResponse {
  ok: true;
  /**
   * A renewed session: use this token from now on (the previous one is still taken for a minute,
   * for calls already on their way), and its new end.
   */
  token?: string;
  expiresAt?: number;
}

/** How runner code reaches the collector: HTTP for remote runners, direct calls when embedded. */
export interface RunnerTransport {
  register(request: RegisterRequest): Promise<RegisterResponse>;
  claim(token: string, request: ClaimRequest, signal?: AbortSignal): Promise<ClaimResponse>;
  results(token: string, request: ResultsRequest): Promise<ResultsResponse>;
  heartbeat(token: string, request: HeartbeatRequest): Promise<HeartbeatResponse>;
  deregister(token: string): Promise<void>;
  /**
   * Transports over several collectors (failover-transport.ts): the collector in use, and a
   * listener told of every move from one to the next. Absent: one collector for good.
   */
  readonly current?: string;
  onSwitch?(listener: (from: string, to: string) => void): void;
}

/** Options the collector passes to `startEmbeddedRunner` (runner/embedded.ts). */
export interface EmbeddedRunnerOptions {
  transport: RunnerTransport;
  /** `local`. */
  region: string;
  /** Runner name shown in GET /v1/runners (`embedded`). */
  name: string;
  version: string;
  /** Most jobs probed at once. */
  concurrency: number;
  /** pino-shaped logger (e.g. `app.log.child({ component: 'runner' })`); default silent. */
  logger?: Logger;
  /** Refuses private and internal targets (the collector's block_private_targets); default none. */
  targetGuard?: TargetGuard | null;
}
export interface EmbeddedRunner {
  /** Drain: stop claiming, finish in-flight jobs, report them, deregister. */
  stop(): Promise<void>;
}
export type StartEmbeddedRunner = (options: EmbeddedRunnerOptions) => Promise<EmbeddedRunner>;
