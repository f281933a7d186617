// One HTTP request/response over a socket the probe already connected (and TLS-handshook).
//
// Why undici's Client with a custom `connect` rather than undici.request or node:http:
// - The probe must time resolve/connect/TLS itself and pin the address it resolved, so it makes
//   the socket; `connect` just hands it over. undici then picks HTTP/2 or HTTP/1.1 from the ALPN
//   result of that socket, so one code path serves both (node:http would need node:http2 beside it).
// - One Client per check, destroyed after it: no pool, nothing kept between checks.
// - The low-level `dispatch` handler API avoids the Readable body stream of `request()` and gives
//   the exact instants blackbox_exporter's phases need: `onResponseStarted` (first response byte,
//   before headers are parsed) and `onResponseData` per chunk.
// bench/probe.ts compares this against a bare undici fresh-connection loop (target >= 0.8x).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Client, type Dispatcher } from 'undici';

export interface ExchangeRequest {
  /** `scheme://host[:port]`: gives the Host header / :authority. */
  origin: string;
  /** Path and query. */
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
}

/** Filled progressively, so a deadline in the middle still leaves what arrived. */
export interface ResponseState {
  status: number | null;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  chunks: Buffer[];
  bytes: number;
  /** Body reading stopped at the byte cap; more was coming. */
  truncated: boolean;
  complete: boolean;
}

export function emptyResponseState(): ResponseState {
  return {
    status: null,
    statusText: '',
    headers: {},
    chunks: [],
    bytes: 0,
    truncated: false,
    complete: false,
  };
}

export interface ExchangeEvents {
  /** First response byte: the clock moves from `processing` to `transfer`. */
  onFirstByte(): void;
  onDone(): void;
  onError(error: Error): void;
}

const CAP_REACHED = new Error('body cap reached');

/**
 * Handed to `client.destroy` when a check is over. Without an error undici constructs a
 * ClientDestroyedError (with its stack trace) for every check.
 */
export const CHECK_DONE = new Error('check done');

/**
 * Sends `request` over `socket` and fills `state`. Returns the Client so the caller can destroy
 * it at a deadline; the caller destroys it in any case when the check ends.
 */
export function exchange(
  socket: Socket,
  request: ExchangeRequest,
  state: ResponseState,
  maxBytes: number,
  events: ExchangeEvents,
): Client {
  const client = new Client(request.origin, {
    // undici calls this from inside its dispatch loop; answering synchronously re-enters that
    // loop before its state is set and the request is never written. A microtask later is fine.
    connect: (_options, callback) => queueMicrotask(() => callback(null, socket)),
    headersTimeout: 0,
    bodyTimeout: 0,
    pipelining: 1,
  });
  let settled = false;
  const finish = (error: Error | null) => {
    if (settled) return;
    settled = true;
    if (error === null) events.onDone();
    else events.onError(error);
  };
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart() {},
    onResponseStarted() {
      events.onFirstByte();
    },
    onResponseStart(_controller, statusCode, headers, statusMessage) {
      // 1xx informational responses (other than upgrades) are skipped by undici before this.
      state.status = statusCode;
      // HTTP/2 has no reason phrase: use the standard one, so messages read the same on both.
      state.statusText = statusMessage || STATUS_CODES[statusCode] || '';
      state.headers = headers;
    },
    onResponseData(controller, chunk) {
      if (state.truncated) return;
      const room = maxBytes - state.bytes;
      if (chunk.length > room) {
        if (room > 0) state.chunks.push(chunk.subarray(0, room));
        state.bytes += Math.max(room, 0);
        state.truncated = true;
        finish(null);
        controller.abort(CAP_REACHED);
        return;
      }
      state.chunks.push(chunk);
      state.bytes += chunk.length;
    },
    onResponseEnd() {
      state.complete = true;
      finish(null);
    },
    onResponseError(_controller, error) {
      finish(error);
    },
  };
  try {
    client.dispatch(
      {
        path: request.path,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body,
        // No `reset: true` (Connection: close): undici would then close the socket with a freshly
        // made InformationalError per check, a measurable cost; the probe closes it itself.
      },
      handler,
    );
  } catch (error) {
    // Invalid header values and the like are thrown synchronously.
    queueMicrotask(() => finish(error as Error));
  }
  return client;
}
