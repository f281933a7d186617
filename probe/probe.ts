// One check: resolve, connect, TLS, request, response, for each redirect hop on a fresh
// connection, under one deadline; then the verdict. Never throws: every failure is a result.
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { TextDecoder } from 'node:util';
import type { Client } from 'undici';
import pkg from '../package.json' with { type: 'json' };
import { fillSecrets, redactSecrets } from '../schema/secrets.ts';
import type { Secrets } from '../schema/types.ts';
import { endpoint, startTcp, startTls } from './connect.ts';
import { BodyDecodeError, decodeBody } from './decode.ts';
import {
  DeadlineError,
  decisiveConnectError,
  ERROR_REASONS,
  errorCode,
  ProbeFailure,
  reasonForCode,
} from './errors.ts';
import { evaluate, needsBody } from './evaluate.ts';
import { CHECK_DONE, emptyResponseState, exchange, type ResponseState } from './exchange.ts';
import {
  connectMessage,
  dnsMessage,
  droppedMessage,
  familyMismatchMessage,
  formatDuration,
  protocolMessage,
  timeoutMessage,
  tlsHandshakeMessage,
  tlsVerifyMessage,
} from './messages.ts';
import { addTimings, HopClock, roundTimings, zeroTimings } from './phase-clock.ts';
import { type HopRequest, nextHop, REDIRECT_STATUSES, redirectTarget } from './redirect.ts';
import { requestHeaders, userAgent } from './request-headers.ts';
import { type HostResolver, ipLiteral, type ResolvedAddress, systemResolver } from './resolve.ts';
import type { ProbeOptions, ProbeSpec } from './spec.ts';
import { defaultProbeTlsContext, type ProbeTlsContext } from './tls-context.ts';
import { tlsInfoOf } from './tls-info.ts';
import type {
  AssertionOutcome,
  CheckResult,
  FailureReason,
  Phase,
  RedirectHop,
  RemoteAddress,
  ResponseLog,
  Timings,
  TlsInfo,
} from './types.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** The response log keeps this much of the body. */
export const LOG_BODY_BYTES = 64 * 1024;
/**
 * The connect deadline inside the check's own: a host that never answers a SYN fails as
 * `connect_timeout` after 10 s even when the monitor allows 30 s for a slow response.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_VERSION: string = pkg.version;

function noop(): void {}

/** Runs one check. Never throws. */
export async function probe(spec: ProbeSpec, options: ProbeOptions = {}): Promise<CheckResult> {
  let run: CheckRun | null = null;
  try {
    run = new CheckRun(spec, options);
    return await run.execute();
  } catch (error) {
    try {
      if (run !== null) return await run.finishFailed(error);
    } catch {
      // Reporting failed too (a bug): fall through to the bare result below.
    }
    return internalFailure(error, options);
  } finally {
    run?.release();
  }
}

/** The last resort, so `probe` keeps its promise never to throw. */
function internalFailure(error: unknown, options: ProbeOptions): CheckResult {
  return {
    ok: false,
    reason: 'protocol_error',
    message: `the probe could not run this check: ${(error as Error)?.message ?? String(error)}`,
    phase: null,
    status: null,
    httpVersion: null,
    remote: null,
    timings: zeroTimings(),
    tls: null,
    redirects: [],
    assertions: [],
    startedAt: new Date((options.now ?? Date.now)()).toISOString(),
    log: {
      request: { line: '', headers: {} },
      response: null,
      body: null,
      bodyTruncated: false,
      connection: [],
    },
  };
}

interface Hop {
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

class CheckRun {
  private readonly spec: ProbeSpec;
  private readonly secrets: Secrets | null;
  private readonly wallNow: () => number;
  private readonly resolver: HostResolver;
  private readonly givenTlsContext: ProbeTlsContext | undefined;
  private readonly maxBodyBytes: number;
  private readonly agent: string;
  private readonly happyEyeballsDelay: number;
  private readonly connectTimeout: number;
  private readonly startedAt: number;
  /** Monotonic start of the clock: set when the first hop starts, after all setup. */
  private start = performance.now();
  private readonly timings: Timings = zeroTimings();
  private readonly redirects: RedirectHop[] = [];
  private readonly connection: string[] = [];
  private deadlineTimer: NodeJS.Timeout | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private deadline: DeadlineError | null = null;
  /** Rejects the step in progress (deadline). */
  private abortStep: ((error: Error) => void) | null = null;
  private hop: Hop | null = null;
  private tls: TlsInfo | null = null;
  private outcomes: AssertionOutcome[] = [];
  private decoded: { text: string; truncated: boolean; bytes: number } | null = null;
  private requestSummary = '';

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
  }

  private get tlsContext(): ProbeTlsContext {
    return this.givenTlsContext ?? defaultProbeTlsContext();
  }

  async execute(): Promise<CheckResult> {
    const spec = this.spec;
    const url = this.parseUrl(this.fill(spec.url));
    const body = spec.body === null ? null : this.fill(spec.body);
    const custom: Record<string, string> = {};
    for (const name in spec.headers) custom[name] = this.fill(spec.headers[name]!);
    let request: HopRequest = {
      url,
      method: spec.method,
      headers: requestHeaders(custom, this.agent, body !== null),
      body,
    };
    // Building the default TLS contexts (once per process) is setup, not the target's time.
    if (url.protocol === 'https:' && this.givenTlsContext === undefined) defaultProbeTlsContext();
    this.start = performance.now();
    this.deadlineTimer = setTimeout(() => this.onDeadline(new DeadlineError('check')), spec.timeout);
    let hopStart = this.start;
    for (let index = 0; ; index++) {
      const hop = await this.runHop(request, hopStart);
      hopStart = hop.clock.stop();
      addTimings(this.timings, hop.clock.timings);
      const status = hop.response.status!;
      const location = hop.response.headers.location;
      if (!REDIRECT_STATUSES.has(status) || typeof location !== 'string' || spec.follow_redirects === 0)
        break;
      this.redirects.push({
        url: request.url.href,
        method: request.method,
        status,
        location,
        remote: hop.remote,
        timings: roundTimings(hop.clock.timings),
      });
      const target = redirectTarget(location, request.url);
      if ('invalid' in target) {
        throw new ProbeFailure(
          'redirect_invalid',
          `${request.method} ${request.url.href} answered ${status} with a redirect that cannot be followed: ${target.invalid}`,
          null,
        );
      }
      if (index >= spec.follow_redirects) {
        throw new ProbeFailure(
          'too_many_redirects',
          `more than ${spec.follow_redirects} redirect${spec.follow_redirects === 1 ? '' : 's'} (follow_redirects: ${spec.follow_redirects}): ${request.url.href} redirects again, to ${target.url.href}`,
          null,
        );
      }
      const next = nextHop(request, status, target.url);
      this.connection.push(`redirect ${status} ${request.url.href} -> ${next.method} ${next.url.href}`);
      if (next.dropped.length > 0) this.connection.push(`  not forwarded: ${next.dropped.join(', ')}`);
      this.releaseHop(hop);
      request = next;
    }
    return this.finishResponse();
  }

  /** One request on a fresh connection; fills `this.hop`. */
  private async runHop(request: HopRequest, start: number): Promise<Hop> {
    const url = request.url;
    const https = url.protocol === 'https:';
    const hop: Hop = {
      request,
      host: url.hostname,
      port: url.port === '' ? (https ? 443 : 80) : Number(url.port),
      clock: new HopClock(start),
      remote: null,
      response: emptyResponseState(),
      client: null,
      socket: null,
      httpVersion: null,
      bytesBeforeDeadline: 0,
    };
    this.hop = hop;
    // The result describes the final hop: its TLS, not an earlier hop's (https -> http).
    this.tls = null;
    this.requestSummary = `${request.method} ${url.href}`;

    const addresses = await this.resolve(hop);
    hop.clock.enter('connect');
    let socket = await this.connect(hop, addresses);
    if (https) {
      hop.clock.enter('tls');
      socket = await this.handshake(hop, socket);
    }
    // `processing` starts once the connection is ready, as blackbox_exporter's does (responseStart
    // minus gotConn): writing the request is part of it, so no time falls between phases.
    hop.clock.enter('processing');
    hop.httpVersion = https && (socket as TLSSocket).alpnProtocol === 'h2' ? '2' : '1.1';
    await this.step<void>((resolve, reject) => {
      hop.client = exchange(
        socket,
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: request.method,
          headers: request.headers,
          body: request.body,
        },
        hop.response,
        this.maxBodyBytes,
        { onFirstByte: () => hop.clock.enter('transfer'), onDone: resolve, onError: reject },
      );
    });
    return hop;
  }

  private async resolve(hop: Hop): Promise<ResolvedAddress[]> {
    const literal = ipLiteral(hop.host);
    const ip = this.spec.ip;
    if (literal !== null) {
      if (ip !== 'auto' && literal.family !== ip) {
        throw new ProbeFailure('dns_nxdomain', familyMismatchMessage(literal.address, ip), 'resolve');
      }
      return [literal];
    }
    const family = ip === 'auto' ? 0 : ip;
    const found = await this.step<ResolvedAddress[]>((resolve, reject) => {
      this.resolver(hop.host, family).then(resolve, reject);
    });
    const usable = family === 0 ? found : found.filter((entry) => entry.family === family);
    if (usable.length === 0) {
      throw new ProbeFailure(
        'dns_nxdomain',
        dnsMessage('dns_nxdomain', hop.host, family, 'ENODATA', 0),
        'resolve',
      );
    }
    this.connection.push(`resolve ${hop.host}: ${usable.map((entry) => entry.address).join(', ')}`);
    return usable;
  }

  private async connect(hop: Hop, addresses: ResolvedAddress[]): Promise<net.Socket> {
    const connecting = startTcp(addresses, hop.port, this.happyEyeballsDelay);
    // Until one attempt wins, a deadline destroys them all.
    hop.socket = connecting;
    const left = this.spec.timeout - (performance.now() - this.start);
    if (this.connectTimeout < left) {
      this.connectTimer = setTimeout(
        () => this.onDeadline(new DeadlineError('connect')),
        this.connectTimeout,
      );
    }
    let socket: net.Socket;
    try {
      socket = await this.step<net.Socket>((resolve, reject) => {
        connecting.connected.then(resolve, reject);
      });
      hop.socket = socket;
    } catch (error) {
      if (error instanceof AggregateError) {
        // One failure per address tried (Happy Eyeballs), each with its own answer.
        for (const attempt of error.errors as Array<Error & { address?: string; port?: number }>) {
          const target = attempt.address === undefined ? hop.host : endpoint(attempt.address, hop.port);
          this.connection.push(`connect to ${target} failed: ${errorCode(attempt) ?? attempt.message}`);
        }
      } else {
        const targets = addresses.map((entry) => endpoint(entry.address, hop.port)).join(', ');
        this.connection.push(`connect to ${targets} failed: ${errorCode(error) ?? (error as Error).message}`);
      }
      throw decisiveConnectError(error);
    } finally {
      const tried = connecting.attempted;
      if (tried.length > 1) this.connection.push(`addresses tried: ${tried.join(', ')}`);
      if (this.connectTimer !== null) {
        clearTimeout(this.connectTimer);
        this.connectTimer = null;
      }
    }
    const family = socket.remoteFamily === 'IPv6' ? 6 : 4;
    hop.remote = { ip: socket.remoteAddress ?? '', family, port: socket.remotePort ?? hop.port };
    this.connection.push(`connected to ${endpoint(hop.remote.ip, hop.remote.port)} (IPv${family})`);
    return socket;
  }

  private async handshake(hop: Hop, tcp: net.Socket): Promise<TLSSocket> {
    try {
      return await this.tlsOn(hop, tcp, false);
    } catch (error) {
      if (error instanceof ProbeFailure || error instanceof DeadlineError || this.deadline !== null)
        throw error;
      // The one retry DESIGN asks for: old servers that only speak TLS 1.0/1.1 or weak ciphers.
      this.connection.push(
        `TLS handshake failed (${errorCode(error) ?? 'error'}); retrying once with TLS 1.0/1.1 allowed`,
      );
      hop.clock.enter('connect');
      const remote = hop.remote!;
      const again = await this.connect(hop, [{ address: remote.ip, family: remote.family }]);
      hop.clock.enter('tls');
      try {
        return await this.tlsOn(hop, again, true);
      } catch (retryError) {
        if (
          retryError instanceof ProbeFailure ||
          retryError instanceof DeadlineError ||
          this.deadline !== null
        ) {
          throw retryError;
        }
        this.connection.push(
          `TLS handshake with TLS 1.0/1.1 allowed failed too (${errorCode(retryError) ?? 'error'})`,
        );
        const first = error as Error & { code?: string };
        throw new ProbeFailure(
          'tls_handshake',
          tlsHandshakeMessage(hop.host, endpoint(remote.ip, remote.port), first, true),
          'tls',
        );
      }
    }
  }

  private async tlsOn(hop: Hop, tcp: net.Socket, legacy: boolean): Promise<TLSSocket> {
    let certificate: DetailedPeerCertificate | null = null;
    const literal = ipLiteral(hop.host);
    const version = this.spec.http.version;
    const socket = startTls(tcp, {
      servername: literal === null ? hop.host : null,
      host: literal?.address ?? hop.host,
      context: legacy ? this.tlsContext.legacy : this.tlsContext.modern,
      alpn: version === '1.1' ? ['http/1.1'] : ['h2', 'http/1.1'],
      onCertificate: (cert) => {
        certificate = cert;
      },
    });
    hop.socket = socket;
    await this.step<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const cert = certificate ?? (socket.getPeerCertificate(true) as DetailedPeerCertificate | null);
    const info = tlsInfoOf(socket, cert, this.wallNow(), legacy);
    const verifyCode = socket.authorized ? null : String(socket.authorizationError ?? 'CERT_UNTRUSTED');
    if (verifyCode === 'DEPTH_ZERO_SELF_SIGNED_CERT') info.selfSigned = true;
    this.tls = info;
    this.connection.push(
      `TLS ${info.version} ${info.cipher} ALPN ${info.alpn ?? 'none'}${legacy ? ' (legacy fallback)' : ''}; ` +
        `certificate ${info.subject} issued by ${info.issuer}, valid ${info.validFrom?.slice(0, 10)} to ${info.validTo?.slice(0, 10)}; ` +
        `${verifyCode === null ? 'trusted' : `not trusted: ${verifyCode}`}`,
    );
    if (verifyCode !== null && this.spec.tls.verify) {
      const reason = ERROR_REASONS[verifyCode] ?? 'tls_untrusted';
      throw new ProbeFailure(
        reason,
        tlsVerifyMessage(reason, hop.host, info, verifyCode, this.wallNow(), this.tlsContext.extraCaFile),
        'tls',
      );
    }
    if (version === '2' && info.alpn !== 'h2') {
      throw new ProbeFailure(
        'protocol_error',
        `${hop.host} did not negotiate HTTP/2 (ALPN: ${info.alpn ?? 'none'}), and the monitor sets http.version: 2`,
        'tls',
      );
    }
    return socket;
  }

  /** Wraps one awaited operation so the deadline can reject it. */
  private step<T>(
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

  private onDeadline(error: DeadlineError): void {
    if (this.deadline !== null) return;
    this.deadline = error;
    const hop = this.hop;
    if (hop !== null) hop.bytesBeforeDeadline = hop.response.bytes;
    this.abortStep?.(error);
    if (hop !== null) this.releaseHop(hop);
  }

  private releaseHop(hop: Hop): void {
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

  private fill(text: string): string {
    return this.secrets === null || !text.includes('${') ? text : fillSecrets(text, this.secrets);
  }

  private parseUrl(text: string): URL {
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

  // --- results -------------------------------------------------------------------------------

  private async finishResponse(): Promise<CheckResult> {
    const hop = this.hop!;
    const response = hop.response;
    const status = response.status!;
    const spec = this.spec;
    if (needsBody(spec, status) && hop.request.method !== 'HEAD') await this.decode(hop, this.maxBodyBytes);
    const evaluation = evaluate(
      spec,
      {
        status,
        headers: response.headers,
        responseTime: this.timings.total,
        tlsDaysLeft: this.tls?.daysLeft ?? null,
        body: this.decoded?.text ?? null,
      },
      {
        request: this.requestSummary,
        statusText: response.statusText,
        bodyTruncated: this.decoded?.truncated ?? response.truncated,
        bodyLimit: this.maxBodyBytes,
        bodyBytes: this.decoded?.bytes ?? response.bytes,
      },
    );
    this.outcomes = evaluation.outcomes;
    if (evaluation.failure !== null) {
      let message = evaluation.failure.message;
      if (REDIRECT_STATUSES.has(status) && spec.follow_redirects === 0) {
        message += ' (redirects are not followed: follow_redirects is 0)';
      }
      return this.result(evaluation.failure.reason, message, null);
    }
    return this.result(null, this.okMessage(status, response.statusText), null);
  }

  private okMessage(status: number, statusText: string): string {
    const parts = [
      `${status}${statusText === '' ? '' : ` ${statusText}`} in ${formatDuration(this.timings.total)}`,
    ];
    if (this.redirects.length > 0)
      parts.push(`after ${this.redirects.length} redirect${this.redirects.length === 1 ? '' : 's'}`);
    const tls = this.tls;
    if (
      tls?.daysLeft !== null &&
      tls?.daysLeft !== undefined &&
      tls.daysLeft <= this.spec.tls.expiry_warning_days
    ) {
      parts.push(`certificate expires in ${tls.daysLeft} day${tls.daysLeft === 1 ? '' : 's'}`);
    }
    if (tls?.legacyFallback) parts.push('only with TLS 1.0/1.1 allowed');
    return parts.join(', ');
  }

  /** Decodes the body read so far, once. */
  private async decode(hop: Hop, limit: number): Promise<void> {
    if (this.decoded !== null) return;
    const response = hop.response;
    const raw =
      response.chunks.length === 1 ? response.chunks[0]! : Buffer.concat(response.chunks, response.bytes);
    const partial = response.truncated || !response.complete;
    const decoded = await decodeBody(raw, response.headers['content-encoding'], limit, partial);
    this.decoded = {
      text: textOf(decoded.body, response.headers['content-type']),
      truncated: decoded.truncated || response.truncated,
      bytes: decoded.body.length,
    };
  }

  /** Any error thrown by execute(): a decided failure, a deadline, or an error code to map. */
  async finishFailed(error: unknown): Promise<CheckResult> {
    const hop = this.hop;
    if (hop !== null && !hop.clock.stopped) {
      hop.clock.stop();
      addTimings(this.timings, hop.clock.timings);
    }
    if (error instanceof ProbeFailure) return this.result(error.reason, error.message, error.phase);
    const phase: Phase = hop?.clock.phase ?? 'resolve';
    if (error instanceof DeadlineError || this.deadline !== null) {
      const deadline = this.deadline ?? (error as DeadlineError);
      return this.timedOut(deadline, phase);
    }
    if (error instanceof BodyDecodeError) {
      return this.result('protocol_error', `${hop?.host ?? 'the server'}: ${error.message}`, 'transfer');
    }
    if (hop === null) {
      // Nothing was sent yet: a spec the probe cannot use, not a network failure.
      return this.result(
        'protocol_error',
        `the check could not start: ${(error as Error)?.message ?? String(error)}`,
        null,
      );
    }
    const code = errorCode(error);
    const reason = reasonForCode(code, phase);
    return this.result(reason, this.describe(reason, phase, error as Error & { code?: string }), phase);
  }

  private timedOut(deadline: DeadlineError, phase: Phase): Promise<CheckResult> {
    const hop = this.hop;
    const host = hop?.host ?? 'the target';
    const family = this.spec.ip === 'auto' ? 0 : this.spec.ip;
    if (deadline.which === 'connect' || phase === 'connect') {
      const waited = deadline.which === 'connect' ? this.connectTimeout : this.spec.timeout;
      return this.result(
        'connect_timeout',
        connectMessage('connect_timeout', `${host}:${hop?.port ?? ''}`, undefined, waited),
        'connect',
      );
    }
    if (phase === 'resolve') {
      return this.result(
        'dns_timeout',
        dnsMessage('dns_timeout', host, family, undefined, this.spec.timeout),
        'resolve',
      );
    }
    return this.result(
      'timeout',
      timeoutMessage(phase, this.spec.timeout, host, hop?.bytesBeforeDeadline ?? 0),
      phase,
    );
  }

  private describe(reason: FailureReason, phase: Phase, error: Error & { code?: string }): string {
    const hop = this.hop;
    const host = hop?.host ?? 'the target';
    const port = hop?.port ?? 0;
    const where = hop?.remote ? endpoint(hop.remote.ip, hop.remote.port) : endpoint(host, port);
    const elapsed = performance.now() - this.start;
    switch (phase) {
      case 'resolve':
        return dnsMessage(reason, host, this.spec.ip === 'auto' ? 0 : this.spec.ip, error.code, elapsed);
      case 'connect':
        return connectMessage(reason, where, error.code, elapsed);
      case 'tls':
        return tlsHandshakeMessage(host, where, error, false);
      default:
        if (reason === 'connect_reset') return droppedMessage(where, phase, error.code);
        if (reason === 'timeout')
          return timeoutMessage(phase, this.spec.timeout, host, hop?.response.bytes ?? 0);
        if (reason === 'body_too_large') return `the response body of ${host} is larger than the probe reads`;
        return protocolMessage(where, error);
    }
  }

  private async result(
    reason: FailureReason | null,
    message: string,
    phase: Phase | null,
  ): Promise<CheckResult> {
    const hop = this.hop;
    const result: CheckResult = {
      ok: reason === null,
      reason,
      message,
      phase: reason === null ? null : phase,
      status: hop?.response.status ?? null,
      httpVersion: hop?.httpVersion ?? null,
      remote: hop?.remote ?? null,
      timings: roundTimings(this.timings),
      tls: this.tls,
      redirects: this.redirects,
      assertions: this.outcomes,
      startedAt: new Date(this.startedAt).toISOString(),
    };
    if (reason !== null) result.log = await this.responseLog();
    return this.secrets === null ? result : redactDeep(result, this.secrets);
  }

  private async responseLog(): Promise<ResponseLog> {
    const hop = this.hop;
    if (hop === null) {
      return {
        request: { line: '', headers: {} },
        response: null,
        body: null,
        bodyTruncated: false,
        connection: this.connection,
      };
    }
    const { request, response } = hop;
    const sent: Record<string, string> = { Host: request.url.host };
    Object.assign(sent, request.headers);
    let body: string | null = null;
    let bodyTruncated = false;
    if (response.status !== null && response.bytes > 0) {
      try {
        await this.decode(hop, this.maxBodyBytes);
      } catch {
        // Undecodable: show the raw bytes instead.
      }
      const text = this.decoded?.text ?? Buffer.concat(response.chunks).toString('latin1');
      body = headBytes(text, LOG_BODY_BYTES);
      bodyTruncated = body.length < text.length || response.truncated || !response.complete;
    }
    return {
      request: {
        line: `${request.method} ${request.url.href} HTTP/${hop.httpVersion ?? '1.1'}`,
        headers: sent,
      },
      response:
        response.status === null ? null : { status: response.status, headers: flatHeaders(response.headers) },
      body,
      bodyTruncated,
      connection: this.connection,
    };
  }
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

const decoders = new Map<string, TextDecoder>();

/** Body bytes as text in the charset the response declares (UTF-8 unless it says otherwise). */
function textOf(body: Buffer, contentType: string | string[] | undefined): string {
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  const charset = type === undefined ? undefined : /;\s*charset="?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return body.toString('utf8');
  let decoder = decoders.get(charset);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(charset);
    } catch {
      return body.toString('utf8');
    }
    decoders.set(charset, decoder);
  }
  return decoder.decode(body);
}

/** Every string in the result with secret values put back as `${NAME}`. */
function redactDeep<T>(value: T, secrets: Secrets): T {
  if (typeof value === 'string') return redactSecrets(value, secrets) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secrets)) as T;
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      copy[redactSecrets(key, secrets)] = redactDeep(item, secrets);
    return copy as T;
  }
  return value;
}

/** The longest start of `text` whose UTF-8 encoding fits in `max` bytes, never splitting a character. */
export function headBytes(text: string, max: number): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short texts need no encoding.
  if (text.length * 3 <= max) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  let end = max;
  // Back off continuation bytes (10xxxxxx) to the start of the character cut in two.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
