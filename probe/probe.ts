// One check: resolve, connect, TLS, request, response, for each redirect hop on a fresh
// connection, under one deadline; then the verdict. Never throws: every failure is a result.

import { performance } from 'node:perf_hooks';
import { TextDecoder } from 'node:util';
import { formatDurationForPeople } from '../common/format.ts';
import { redactDeep } from '../schema/secrets.ts';
import { type Hop, LOG_BODY_BYTES } from './check-base.ts';
import { CheckConnect } from './check-connect.ts';
import { endpoint } from './connect.ts';
import { BodyDecodeError, decodeBody } from './decode.ts';
import { DeadlineError, errorCode, ProbeFailure, reasonForCode } from './errors.ts';
import { evaluate, needsBody } from './evaluate.ts';
import {
  connectMessage,
  dnsMessage,
  droppedMessage,
  protocolMessage,
  timeoutMessage,
  tlsHandshakeMessage,
} from './messages.ts';
import { addTimings, roundTimings, zeroTimings } from './phase-clock.ts';
import { type HopRequest, nextHop, REDIRECT_STATUSES, redirectTarget } from './redirect.ts';
import { requestHeaders } from './request-headers.ts';
import type { ProbeOptions, ProbeSpec } from './spec.ts';
import { defaultProbeTlsContext } from './tls-context.ts';
import type { CheckResult, FailureReason, Phase, ResponseLog } from './types.ts';

export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES, LOG_BODY_BYTES } from './check-base.ts';

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

class CheckRun extends CheckConnect {
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

  protected async finishResponse(): Promise<CheckResult> {
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

  protected okMessage(status: number, statusText: string): string {
    const parts = [
      `${status}${statusText === '' ? '' : ` ${statusText}`} in ${formatDurationForPeople(this.timings.total)}`,
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
  protected async decode(hop: Hop, limit: number): Promise<void> {
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

  protected timedOut(deadline: DeadlineError, phase: Phase): Promise<CheckResult> {
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

  protected describe(reason: FailureReason, phase: Phase, error: Error & { code?: string }): string {
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

  protected async result(
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

  protected async responseLog(): Promise<ResponseLog> {
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
