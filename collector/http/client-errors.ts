// Requests the server refuses before any route sees them: too slow (headers or body not all
// received within the request timeout: a slowloris client, a body that stops half way), headers
// too large, bytes that are not HTTP. Node reports them as `clientError` on the socket; the answer
// is an ApiError with a stable code, then the connection is closed.
//
// The deadline is for receiving the request, not for answering it: a long-polling claim whose
// body has arrived waits for jobs as long as it asks (Node stops timing a request once it is
// fully received).
import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ApiError } from '../../schema/plan-types.ts';
import { ERROR_STATUS, type ErrorCode } from './errors.ts';

/** Node's http.Server timing for a request timeout of `requestTimeoutMs`. */
export function serverTimeouts(requestTimeoutMs: number): ServerOptions {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: requestTimeoutMs,
    // Node checks for late requests on this period (30 s by default, which would let a 1 s
    // timeout run 30 s): a quarter of the timeout, at least 50 ms, at most a second.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
  };
}

const REASONS: Record<string, { code: ErrorCode; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'VIGIL_ERR_REQUEST_TIMEOUT',
    message: 'the request was not received in time (VIGIL_REQUEST_TIMEOUT_MS)',
  },
  HPE_HEADER_OVERFLOW: { code: 'VIGIL_ERR_HEADERS_TOO_LARGE', message: 'the request headers are too large' },
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** The raw answer to a client error: the status line, `Connection: close` and an ApiError body. */
export function clientErrorResponse(errorCode: string | undefined): string {
  const reason = REASONS[errorCode ?? ''] ?? {
    code: 'VIGIL_ERR_BAD_REQUEST',
    message: 'malformed HTTP request',
  };
  const status = ERROR_STATUS[reason.code];
  const body: ApiError = { code: reason.code, message: reason.message, statusCode: status };
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`
  );
}

/** Fastify's `clientErrorHandler`: answer (when nothing was answered yet on the socket) and close. */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  this.log.info({ code: error.code }, 'client error: connection closed');
  // An answer already begun on this socket must not be corrupted by a second status line.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && inFlight?.headersSent !== true) socket.end(clientErrorResponse(error.code));
  socket.destroySoon();
}
