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
import type { CheckResult } from '../probe/types.ts';
import type { MonitorSpec, Secrets } from '../../schema/types.ts';

export type JobPurpose = 'scheduled' | 'verify' | 'down-round' | 'recovery';

/** The request part of a monitor: what a runner needs to probe it. Secrets stay `${NAME}`. */
export type JobSpec = Pick<
  MonitorSpec,
  | 'url'
  | 'method'
  | 'headers'
  | 'body'
  | 'keywords'
  | 'forbidden_keywords'
  | 'assertions'
  | 'timeout'
  | 'follow_redirects'
  | 'tls'
  | 'http'
  | 'ip'
>;

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
}
export interface ClaimResponse {
  jobs: Job[];
  /** True when the collector wants the runner to stop claiming (shutting down). */
  drain?: boolean;
}

export interface JobResult {
  jobId: string;
  result: CheckResult;
}
export interface ResultsRequest {
  results: JobResult[];
}
export interface ResultsResponse {
  /** Stored now. */
  accepted: string[];
  /** Already stored before (a retried batch): fine, idempotent. */
  duplicates: string[];
  /** Unknown or expired lease: not stored; the runner drops them. */
  rejected: string[];
}

export interface HeartbeatRequest {
  inFlight: number;
  free: number;
}
export interface HeartbeatResponse {
  ok: true;
}

/** How runner code reaches the collector: HTTP for remote runners, direct calls when embedded. */
export interface RunnerTransport {
  register(request: RegisterRequest): Promise<RegisterResponse>;
  claim(token: string, request: ClaimRequest, signal?: AbortSignal): Promise<ClaimResponse>;
  results(token: string, request: ResultsRequest): Promise<ResultsResponse>;
  heartbeat(token: string, request: HeartbeatRequest): Promise<HeartbeatResponse>;
  deregister(token: string): Promise<void>;
}
