// Octokit failures as sink errors: what the outbox needs to decide between retrying (when) and
// recording a permanent failure.
import { headerValue, retryAtOf } from '../../../common/retry.ts';
import { httpSinkError, SinkError } from '../sink.ts';

interface OctokitLikeError {
  name?: string;
  message?: string;
  status?: number;
  response?: { headers?: Record<string, string | number | undefined> };
}

export function toSinkError(error: unknown, what: string, now: number): SinkError {
  if (error instanceof SinkError) return error;
  const e = (error ?? {}) as OctokitLikeError;
  const message = `${what}: ${e.message ?? String(error)}`;
  // No response: the request never got an answer (refused, reset, dropped, timed out, aborted).
  if (e.response === undefined || typeof e.status !== 'number') {
    return new SinkError('VIGIL_ERR_SINK_NETWORK', message, { transient: true, cause: error });
  }
  const headers = e.response.headers;
  const rateLimited =
    e.status === 429 ||
    (e.status === 403 &&
      (headerValue(headers, 'x-ratelimit-remaining') === '0' ||
        headerValue(headers, 'retry-after') !== null ||
        /rate limit/i.test(e.message ?? '')));
  return httpSinkError(
    e.status,
    `${message} (HTTP ${e.status})`,
    retryAtOf(headers, now),
    rateLimited,
    error,
  );
}
