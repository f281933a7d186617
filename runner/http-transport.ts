// `RunnerTransport` over HTTP: how a remote `vigil runner` talks to the collector's
// /v1/runners routes. Every failure becomes a RunnerTransportError with a stable code, which the
// runner loop acts on (see errors.ts):
//   401 VIGIL_ERR_UNAUTHORIZED at register   -> "region key for <region> was refused by <collector>"
//   401 VIGIL_ERR_RUNNER_UNKNOWN             -> the loop registers again
//   no answer (refused, reset, timeout)      -> VIGIL_ERR_UNREACHABLE, the loop retries with backoff
// One keep-alive agent per transport: the long-poll claim holds one connection while results and
// heartbeats use others.

import { Agent, request } from 'undici';
import { formatDurationForPeople } from '../common/format.ts';
import { parseRetryAfter } from '../common/retry.ts';
import type { ApiError } from '../schema/plan-types.ts';
import { RUNNER_ERROR_CODES, RunnerTransportError } from './errors.ts';
import type {
  ClaimRequest,
  ClaimResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  RegisterRequest,
  RegisterResponse,
  ResultsRequest,
  ResultsResponse,
  RunnerTransport,
} from './protocol.ts';

export interface HttpTransportOptions {
  /** Collector base URL; a path prefix is kept (`https://host/vigil` -> `/vigil/v1/runners/...`). */
  url: string;
  /** The region key, sent to register only. */
  key: string;
  /** ms to wait for an answer to anything but a claim (default 30 s). */
  timeoutMs?: number;
  /** ms a claim may take beyond the wait it asked for (default 15 s). */
  claimGraceMs?: number;
  /** Sent as User-Agent. */
  userAgent?: string;
}

export interface HttpRunnerTransport extends RunnerTransport {
  /** The collector's origin, as used in messages. */
  readonly collector: string;
  /** Closes the connections (in-flight requests are aborted). */
  close(): Promise<void>;
}

/** Throws RunnerTransportError(VIGIL_ERR_BAD_URL) for a URL that is not http(s). */
export function collectorBaseUrl(url: string): URL {
  let base: URL;
  try {
    base = new URL(url.endsWith('/') ? url : `${url}/`);
  } catch {
    throw new RunnerTransportError('VIGIL_ERR_BAD_URL', `not a valid collector URL: ${url}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new RunnerTransportError('VIGIL_ERR_BAD_URL', `the collector URL must be http or https: ${url}`);
  }
  return base;
}

export function createHttpTransport(options: HttpTransportOptions): HttpRunnerTransport {
  const base = collectorBaseUrl(options.url);
  const collector = base.href.replace(/\/$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const claimGraceMs = options.claimGraceMs ?? 15_000;
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });

  async function call<T>(
    path: string,
    bearer: string,
    body: unknown,
    limits: { timeoutMs: number; signal?: AbortSignal | undefined },
  ): Promise<{ status: number; body: T | null }> {
    const url = new URL(path, base);
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${bearer}`,
      'content-type': 'application/json',
    };
    if (options.userAgent !== undefined) headers['user-agent'] = options.userAgent;
    let status: number;
    let text: string;
    let retryAfter: string | undefined;
    try {
      const response = await request(url, {
        dispatcher: agent,
        method: 'POST',
        headers,
        body: JSON.stringify(body ?? {}),
        headersTimeout: limits.timeoutMs,
        bodyTimeout: limits.timeoutMs,
        ...(limits.signal === undefined ? {} : { signal: limits.signal }),
      });
      status = response.statusCode;
      const header = response.headers['retry-after'];
      retryAfter = Array.isArray(header) ? header[0] : header;
      text = await response.body.text();
    } catch (error) {
      if (limits.signal?.aborted) {
        throw new RunnerTransportError(RUNNER_ERROR_CODES.aborted, `${path}: aborted by the runner`);
      }
      throw new RunnerTransportError(
        RUNNER_ERROR_CODES.unreachable,
        `cannot reach the collector at ${collector}: ${describeNetworkError(error, limits.timeoutMs)}`,
      );
    }
    if (status === 204) return { status, body: null };
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      throw new RunnerTransportError(
        RUNNER_ERROR_CODES.badResponse,
        `${collector} answered ${status} to ${path} with a body that is not JSON; is this a Vigil collector?`,
        status,
        parseRetryAfter(retryAfter),
      );
    }
    if (status >= 200 && status < 300) return { status, body: parsed as T };
    const apiError = parsed as Partial<ApiError> | null;
    if (typeof apiError?.code !== 'string' || typeof apiError.message !== 'string') {
      throw new RunnerTransportError(
        RUNNER_ERROR_CODES.badResponse,
        `${collector} answered ${status} to ${path} without a Vigil error body`,
        status,
        parseRetryAfter(retryAfter),
      );
    }
    throw new RunnerTransportError(apiError.code, apiError.message, status, parseRetryAfter(retryAfter));
  }

  function expectBody<T>(path: string, answer: { status: number; body: T | null }): T {
    if (answer.body === null || typeof answer.body !== 'object') {
      throw new RunnerTransportError(
        RUNNER_ERROR_CODES.badResponse,
        `${collector} answered ${answer.status} to ${path} without a body`,
        answer.status,
      );
    }
    return answer.body;
  }

  return {
    collector,

    async register(req: RegisterRequest): Promise<RegisterResponse> {
      const path = 'v1/runners/register';
      try {
        return expectBody(path, await call<RegisterResponse>(path, options.key, req, { timeoutMs }));
      } catch (error) {
        if (error instanceof RunnerTransportError && error.code === RUNNER_ERROR_CODES.unauthorized) {
          throw new RunnerTransportError(
            RUNNER_ERROR_CODES.unauthorized,
            `region key for ${req.region} was refused by ${collector} (check --key or VIGIL_REGION_KEY)`,
            error.statusCode,
          );
        }
        throw error;
      }
    },

    async claim(token: string, req: ClaimRequest, signal?: AbortSignal): Promise<ClaimResponse> {
      const path = 'v1/runners/claim';
      const answer = await call<ClaimResponse>(path, token, req, {
        timeoutMs: req.wait + claimGraceMs,
        signal,
      });
      const body = expectBody(path, answer);
      if (!Array.isArray(body.jobs)) {
        throw new RunnerTransportError(
          RUNNER_ERROR_CODES.badResponse,
          `${collector} answered a claim without a job list`,
          answer.status,
        );
      }
      return body;
    },

    async results(token: string, req: ResultsRequest): Promise<ResultsResponse> {
      const path = 'v1/runners/results';
      return expectBody(path, await call<ResultsResponse>(path, token, req, { timeoutMs }));
    },

    async heartbeat(token: string, req: HeartbeatRequest): Promise<HeartbeatResponse> {
      const path = 'v1/runners/heartbeat';
      return expectBody(path, await call<HeartbeatResponse>(path, token, req, { timeoutMs }));
    },

    async deregister(token: string): Promise<void> {
      await call('v1/runners/deregister', token, {}, { timeoutMs });
    },

    close: () => agent.close(),
  };
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const code = (error as { code?: unknown })?.code;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return `no answer within ${formatDurationForPeople(timeoutMs)}`;
  }
  if (typeof code === 'string') return code;
  if (typeof cause?.code === 'string') return cause.code;
  return String((error as Error)?.message ?? error);
}
