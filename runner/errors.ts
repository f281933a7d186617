// Runner-side errors and how the runner loop reacts to a failed call. Transports (HTTP for remote
// runners, in-process for the embedded one) throw errors that carry `code` (a `VIGIL_ERR_*` string)
// and `statusCode` (0 when there was no HTTP answer); the loop decides by those two fields only, so
// the collector's own `VigilError` thrown by an in-process transport is understood the same way.

/** Thrown by the HTTP transport. Codes: the collector's `VIGIL_ERR_*`, or the ones below. */
export class RunnerTransportError extends Error {
  override name = 'RunnerTransportError';
  readonly code: string;
  /** HTTP status, or 0 when there was no HTTP answer. */
  readonly statusCode: number;
  /** ms the collector asked to wait (Retry-After), if it did. */
  readonly retryAfterMs: number | null;

  constructor(code: string, message: string, statusCode = 0, retryAfterMs: number | null = null) {
    super(message);
    this.code = code;
    this.statusCode = statusCode;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Codes the runner side adds to the collector's. */
export const RUNNER_ERROR_CODES = {
  /** No HTTP answer: refused, reset, timed out, DNS. Retried. */
  unreachable: 'VIGIL_ERR_UNREACHABLE',
  /** An answer that is not the collector API's (not JSON, no error body). Retried when 5xx. */
  badResponse: 'VIGIL_ERR_BAD_RESPONSE',
  /** The call was aborted by the runner itself (drain). */
  aborted: 'VIGIL_ERR_ABORTED',
  /** The region key was refused at registration: the runner stops. */
  unauthorized: 'VIGIL_ERR_UNAUTHORIZED',
  /** The session is gone (expired, deregistered, collector restarted): register again. */
  runnerUnknown: 'VIGIL_ERR_RUNNER_UNKNOWN',
  /** The `--ca-file` could not be loaded. */
  caFile: 'VIGIL_ERR_CA_FILE',
  /** The collector refused the registration for a reason retrying cannot fix (4xx). */
  registerRefused: 'VIGIL_ERR_REGISTER_REFUSED',
} as const;

/** Why a runner stopped on its own: the loop cannot go on (wrong key, unusable CA file...). */
export class RunnerFatalError extends Error {
  override name = 'RunnerFatalError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * What to do after a failed call.
 * - `fatal`: stop the runner (only registration failures that retrying cannot fix).
 * - `reregister`: the session is gone; register again, then repeat the call.
 * - `retry`: transient (no answer, 5xx, 408, 429, an unexpected throw); back off and repeat.
 * - `reject`: the collector refused this request for good (other 4xx); repeating will not help.
 */
export type FailureAction = 'fatal' | 'reregister' | 'retry' | 'reject';

export function codeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

function statusOf(error: unknown): number {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : 0;
}

/** `call` is `register` (authenticated by the region key) or any call made with a session token. */
export function classifyFailure(error: unknown, call: 'register' | 'session'): FailureAction {
  const code = codeOf(error);
  if (call === 'register') {
    if (code === RUNNER_ERROR_CODES.unauthorized) return 'fatal';
    const status = statusOf(error);
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) return 'fatal';
    return 'retry';
  }
  // A session token the collector no longer knows, whichever of the two codes it uses.
  if (code === RUNNER_ERROR_CODES.runnerUnknown || code === RUNNER_ERROR_CODES.unauthorized) {
    return 'reregister';
  }
  const status = statusOf(error);
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return 'reject';
  return 'retry';
}

/** The Retry-After the collector sent with this error, in ms, or null. */
export function retryAfterOf(error: unknown): number | null {
  const value = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}
