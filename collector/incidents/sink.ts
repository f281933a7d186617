// The incident sink interface: where alerts are announced. GitHub Issues and a generic webhook
// implement it; the outbox worker calls them, one operation at a time per alert and sink.
//
// A sink operation gets the rendered message (already redacted) and what the sink stored for
// this alert before (its `ref`, e.g. the issue number). It either returns (done), or throws a
// `SinkError` saying whether trying again can help:
//   transient (5xx, 429, rate limits, network, timeouts) -> the outbox retries with backoff,
//                                                           not before `retryAt` when given;
//   permanent (bad token, repository missing, refused)   -> recorded as failed with the code.
//
// `priorAttempts > 0` means an earlier try may have reached the sink without its answer reaching
// us (a crash, a dropped connection): the sink must check before doing it twice (GitHub looks for
// the hidden marker; the webhook sends a stable delivery id so receivers can drop duplicates).
import type { Logger } from '../../common/log.ts';
import type { CollectorConfig } from '../config/config.ts';
import type { Operation } from '../domain/alerts.ts';
import type { RenderedMessage } from './render.ts';

/** What a sink keeps for one alert: an issue number and its URL. */
export interface SinkRef {
  id: string;
  url: string | null;
}

export interface Delivery {
  /** Outbox row id: stable across retries and restarts. */
  id: number;
  op: Operation;
  alertId: string;
  /** Tries started before this one. */
  priorAttempts: number;
  /** When the operation was queued (ms). */
  queuedAt: number;
  message: RenderedMessage;
  /** From an earlier operation of this alert on this sink (null before `open` succeeded). */
  ref: SinkRef | null;
  /** Raw event data for machine consumers (webhook JSON). */
  data: Record<string, unknown>;
}

export interface SinkOutcome {
  /** Set by `open`: stored and handed to the later operations. */
  ref?: SinkRef;
  /**
   * A person closed the issue: Vigil leaves it alone from now on (no reminder, no recovery
   * comment, never reopened). The outbox records it; a new incident gets a new issue.
   */
  closedByHuman?: boolean;
}

export interface IncidentSink {
  /** Registry name, also what `alert.sinks` lists. */
  readonly name: SinkName;
  open(delivery: Delivery): Promise<SinkOutcome>;
  remind(delivery: Delivery): Promise<SinkOutcome>;
  resolve(delivery: Delivery): Promise<SinkOutcome>;
  /** Stops timers and pending waits (collector shutdown). */
  close?(): Promise<void>;
}

export const SINK_ERROR_CODES = [
  /** 401: the token is wrong or expired. */
  'VIGIL_ERR_SINK_AUTH',
  /** 403 (not a rate limit): the token may not do this. */
  'VIGIL_ERR_SINK_FORBIDDEN',
  /** 404/410: repository, issue or endpoint missing. */
  'VIGIL_ERR_SINK_NOT_FOUND',
  /** Other 4xx: the request was refused as is. */
  'VIGIL_ERR_SINK_REJECTED',
  /** 429, 403 with a rate-limit answer, secondary limits. */
  'VIGIL_ERR_SINK_RATE_LIMITED',
  /** 5xx. */
  'VIGIL_ERR_SINK_UNAVAILABLE',
  /** Connection refused/reset/dropped, DNS, timeouts. */
  'VIGIL_ERR_SINK_NETWORK',
  /** The operation needs the issue and there is none (its open failed). */
  'VIGIL_ERR_SINK_NO_ISSUE',
  /** The sink is no longer configured. */
  'VIGIL_ERR_SINK_NOT_CONFIGURED',
] as const;
export type SinkErrorCode = (typeof SINK_ERROR_CODES)[number];

export class SinkError extends Error {
  override name = 'SinkError';
  readonly code: SinkErrorCode;
  readonly transient: boolean;
  /** HTTP status when there was one. */
  readonly status: number | null;
  /** Earliest time a retry may succeed (retry-after, rate-limit reset), ms. */
  readonly retryAt: number | null;

  constructor(
    code: SinkErrorCode,
    message: string,
    options: { transient: boolean; status?: number | null; retryAt?: number | null; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.transient = options.transient;
    this.status = options.status ?? null;
    this.retryAt = options.retryAt ?? null;
  }
}

/** Maps an HTTP status to a sink error (the answer said no; 2xx never gets here). */
export function httpSinkError(
  status: number,
  message: string,
  retryAt: number | null,
  rateLimited: boolean,
  cause?: unknown,
): SinkError {
  const opts = (transient: boolean) => ({ transient, status, retryAt, cause });
  if (rateLimited || status === 429) return new SinkError('VIGIL_ERR_SINK_RATE_LIMITED', message, opts(true));
  if (status >= 500) return new SinkError('VIGIL_ERR_SINK_UNAVAILABLE', message, opts(true));
  // 408 Request Timeout: the server asks to try again.
  if (status === 408) return new SinkError('VIGIL_ERR_SINK_NETWORK', message, opts(true));
  if (status === 401) return new SinkError('VIGIL_ERR_SINK_AUTH', message, opts(false));
  if (status === 403) return new SinkError('VIGIL_ERR_SINK_FORBIDDEN', message, opts(false));
  if (status === 404 || status === 410)
    return new SinkError('VIGIL_ERR_SINK_NOT_FOUND', message, opts(false));
  return new SinkError('VIGIL_ERR_SINK_REJECTED', message, opts(false));
}

/** A problem with a sink's configuration, found before the collector starts. */
export interface SinkConfigProblem {
  sink: SinkName;
  /** The setting at fault (environment variable name). */
  setting: string;
  message: string;
}

export interface SinkDependencies {
  now: () => number;
  log: Pick<Logger, 'info' | 'warn'>;
}

/** One kind of sink: how to read, check and build it from the collector's configuration. */
export interface SinkDefinition<C> {
  readonly name: SinkName;
  /** This sink's settings, or null when it is not configured. */
  settings(config: CollectorConfig): C | null;
  validate(settings: C): SinkConfigProblem[];
  create(settings: C, deps: SinkDependencies): IncidentSink;
}

export const SINK_NAMES = ['github', 'webhook'] as const;
export type SinkName = (typeof SINK_NAMES)[number];
