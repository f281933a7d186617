// The state of one check run and the plumbing every phase shares: options, timers, the deadline
// that rejects the step in progress, sockets released whatever happens, secrets filled in. The
// phases build on it: check-connect.ts (resolve, connect, TLS), check-result.ts (failures,
// result, response log), probe.ts (the redirect hops, the verdict).
import { performance } from 'node:perf_hooks';
import type { Client } from 'undici';
import pkg from '../package.json' with { type: 'json' };
import { fillSecrets } from '../schema/secrets.ts';
import type { Secrets } from '../schema/types.ts';
import { type DeadlineError, ProbeFailure } from './errors.ts';
import { CHECK_DONE, type ResponseState } from './exchange.ts';
import { emptyTimings, type HopClock } from './phase-clock.ts';
import type { HopRequest } from './redirect.ts';
import { userAgent } from './request-headers.ts';
import { type HostResolver, systemResolver } from './resolve.ts';
import type { ProbeOptions, ProbeSpec } from './spec.ts';
import type { TargetGuard } from './target-guard.ts';
import { defaultProbeTlsContext, type ProbeTlsContext } from './tls-context.ts';
import type { AssertionOutcome, RedirectHop, RemoteAddress, Timings, TlsInfo } from './types.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** The response log keeps this much of the body. */
export const LOG_BODY_BYTES = 64 * 1024;
/**
 * The connect deadline inside the check's own: a host that never answers a SYN fails as
 * `connect_timeout` after 10 s even when the monitor allows 30 s for a slow response.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_VERSION: string = pkg.version;

export function noop(): void {}

export interface Hop {
  request: HopRequest;
  host: string;
  port: number;
  clock: HopClock;
  remote: RemoteAddress | null;
  response: ResponseState;
  /** The client that carries the exchange; destroyed when the hop ends. */
  client: Client | null;
  /** The TCP attempts while connecting, then the connected (TLS) socket; destroyed when the hop ends. */
  socket: { destroy(): void } | null;
  httpVersion: string | null;
  bytesBeforeDeadline: number;
}

/** Fields and shared steps of a check run; CheckConnect, CheckReport and CheckRun build on it. */
export class CheckBase {
  protected readonly spec: ProbeSpec;
  protected readonly secrets: Secrets | null;
  protected readonly wallNow: () => number;
  protected readonly resolver: HostResolver;
  protected readonly givenTlsContext: ProbeTlsContext | undefined;
  protected readonly maxBodyBytes: number;
  protected readonly agent: string;
  protected readonly happyEyeballsDelay: number;
  protected readonly connectTimeout: number;
  protected readonly targetGuard: TargetGuard | null;
  protected readonly startedAt: number;
  /** Monotonic start of the clock: set when the first hop starts, after all setup. */
  protected start = performance.now();
  protected readonly timings: Timings = emptyTimings();
  protected readonly redirects: RedirectHop[] = [];
  protected readonly connection: string[] = [];
  protected deadlineTimer: NodeJS.Timeout | null = null;
  protected connectTimer: NodeJS.Timeout | null = null;
  protected deadline: DeadlineError | null = null;
  /** Rejects the step in progress (deadline). */
  protected abortStep: ((error: Error) => void) | null = null;
  protected hop: Hop | null = null;
  protected tls: TlsInfo | null = null;
  protected outcomes: AssertionOutcome[] = [];
  protected decoded: { text: string; truncated: boolean; bytes: number } | null = null;
  protected requestSummary = '';

  constructor(spec: ProbeSpec, options: ProbeOptions) {
    this.spec = spec;
    this.secrets =
      options.secrets !== undefined && Object.keys(options.secrets).length > 0 ? options.secrets : null;
    this.wallNow = options.now ?? Date.now;
    this.startedAt = this.wallNow();
    this.resolver = options.resolver ?? systemResolver;
    this.givenTlsContext = options.tlsContext;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.agent = userAgent(options.version ?? DEFAULT_VERSION, options.region ?? 'local');
    this.happyEyeballsDelay = options.happyEyeballsDelay ?? 250;
    this.connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.targetGuard = options.targetGuard ?? null;
  }

  protected get tlsContext(): ProbeTlsContext {
    return this.givenTlsContext ?? defaultProbeTlsContext();
  }

  /** Wraps one awaited operation so the deadline can reject it. */
  protected step<T>(
    executor: (resolve: (value: T) => void, reject: (error: Error) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.deadline !== null) {
        reject(this.deadline);
        return;
      }
      this.abortStep = reject;
      executor(resolve, reject);
    });
  }

  protected onDeadline(error: DeadlineError): void {
    if (this.deadline !== null) return;
    this.deadline = error;
    const hop = this.hop;
    if (hop !== null) hop.bytesBeforeDeadline = hop.response.bytes;
    this.abortStep?.(error);
    if (hop !== null) this.releaseHop(hop);
  }

  protected releaseHop(hop: Hop): void {
    if (hop.client !== null) {
      hop.client.destroy(CHECK_DONE, noop);
      hop.client = null;
    }
    hop.socket?.destroy();
  }

  /** Timers and sockets, whatever happened. */
  release(): void {
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    if (this.hop !== null) this.releaseHop(this.hop);
  }

  protected fill(text: string): string {
    return this.secrets === null || !text.includes('${') ? text : fillSecrets(text, this.secrets);
  }

  protected parseUrl(text: string): URL {
    let url: URL | null = null;
    try {
      url = new URL(text);
    } catch {}
    if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
      const unfilled = text.includes('${') ? ` (a \${NAME} reference has no value)` : '';
      throw new ProbeFailure(
        'protocol_error',
        `the monitor URL ${JSON.stringify(text)} is not an http(s) URL${unfilled}`,
        null,
      );
    }
    return url;
  }
}
