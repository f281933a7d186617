// `RunnerTransport` over several collectors of one cluster (`vigil runner --collector A,B,C`): one
// collector is used at a time; a call to it that gets no answer (refused, reset, timed out) or a
// 5xx moves the runner to the next one in the list (round robin), and the error is thrown as
// before, so the runner loop backs off and repeats the call there (errors.ts `classifyFailure`).
// A 4xx never moves: the collector answered, and another would answer the same (401
// RUNNER_UNKNOWN still means register again, at the collector in use). A claim answered `drain`
// (the collector is closing) moves too, and claims at once from the next.
//
// Several calls fail together when a collector dies (the long-poll claim, a results post, a
// heartbeat): only the first moves; the others were made to the collector already left and just
// retry at the new one. Listeners of `onSwitch` learn each move: the result poster sends again what
// the collector it left had accepted a moment before (it may have died before writing it; results
// are idempotent by job id across the cluster, so what it did write answers as a duplicate).
// See README "Runners" (several collectors).

import { type Logger, silentLogger } from '../common/log.ts';
import { RUNNER_ERROR_CODES } from './errors.ts';
import {
  createHttpTransport,
  type HttpRunnerTransport,
  type HttpTransportOptions,
} from './http-transport.ts';
import type { ClaimResponse } from './protocol.ts';

export interface FailoverTransportOptions extends Omit<HttpTransportOptions, 'url'> {
  /** Collector base URLs in order of preference (one URL: a single collector or a load balancer). */
  urls: readonly string[];
  logger?: Logger;
}

export type SwitchListener = (from: string, to: string) => void;

export interface FailoverRunnerTransport extends HttpRunnerTransport {
  /** Every collector, in the order given. */
  readonly collectors: readonly string[];
  /** The collector in use (also `collector`). */
  readonly current: string;
  /** Moves so far. */
  readonly switches: number;
  onSwitch(listener: SwitchListener): void;
}

/**
 * Splits a `--collector` / VIGIL_COLLECTOR_URL value: URLs separated by commas (spaces around
 * them ignored, empty items refused by the caller's validation of each URL).
 */
export function splitCollectorUrls(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Whether a failed call should move the runner to the next collector. */
export function movesToNext(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (code === RUNNER_ERROR_CODES.aborted) return false;
  if (typeof status === 'number' && status >= 500) return true;
  return (status === 0 || status === undefined) && code === RUNNER_ERROR_CODES.unreachable;
}

export function createFailoverTransport(options: FailoverTransportOptions): FailoverRunnerTransport {
  const { urls, logger, ...http } = options;
  if (urls.length === 0) throw new RangeError('at least one collector URL is needed');
  const log = logger ?? silentLogger;
  const transports = urls.map((url) => createHttpTransport({ ...http, url }));
  const listeners: SwitchListener[] = [];
  let index = 0;
  let switches = 0;

  function move(from: number, why: string): void {
    // Only the first failure seen at a collector moves; calls made to it before are retried here.
    if (from !== index || transports.length < 2) return;
    index = (index + 1) % transports.length;
    switches += 1;
    const left = transports[from]!.collector;
    const next = transports[index]!.collector;
    log.warn({ from: left, to: next, reason: why, switches }, `moving to collector ${next}`);
    for (const listener of listeners) {
      try {
        listener(left, next);
      } catch (error) {
        log.error({ err: error }, 'a collector switch listener threw');
      }
    }
  }

  async function via<T>(call: (transport: HttpRunnerTransport) => Promise<T>): Promise<T> {
    const at = index;
    try {
      return await call(transports[at]!);
    } catch (error) {
      if (movesToNext(error)) {
        const code = (error as { code?: unknown }).code;
        const status = (error as { statusCode?: unknown }).statusCode;
        move(at, typeof status === 'number' && status > 0 ? `HTTP ${status}` : String(code));
      }
      throw error;
    }
  }

  if (transports.length > 1) {
    log.info(
      { collectors: transports.map((t) => t.collector) },
      `using collector ${transports[0]!.collector}`,
    );
  }

  return {
    collectors: transports.map((t) => t.collector),
    get collector() {
      return transports[index]!.collector;
    },
    get current() {
      return transports[index]!.collector;
    },
    get switches() {
      return switches;
    },
    onSwitch(listener) {
      listeners.push(listener);
    },
    register: (request) => via((t) => t.register(request)),
    async claim(token, request, signal): Promise<ClaimResponse> {
      const at = index;
      const answer = await via((t) => t.claim(token, request, signal));
      if (answer.drain === true && transports.length > 1) {
        // This collector is closing: claim from the next one instead of pausing.
        move(at, 'drain');
        return { ...answer, drain: false };
      }
      return answer;
    },
    results: (token, request) => via((t) => t.results(token, request)),
    heartbeat: (token, request) => via((t) => t.heartbeat(token, request)),
    deregister: (token) => via((t) => t.deregister(token)),
    async close() {
      await Promise.all(transports.map((t) => t.close()));
    },
  };
}
