// A check's result: an error thrown by a phase as a failure (reason, phase, message), the
// CheckResult itself (secrets redacted), and the response log a failure carries. The run in
// probe.ts builds on it; the phases below are in check-connect.ts and check-base.ts.
import { performance } from 'node:perf_hooks';
import { redactDeep } from '../schema/secrets.ts';
import { type Hop, LOG_BODY_BYTES } from './check-base.ts';
import { CheckConnect } from './check-connect.ts';
import { endpoint } from './connect.ts';
import { BodyDecodeError, decodeBody, textOf } from './decode.ts';
import { DeadlineError, errorCode, ProbeFailure, reasonForCode } from './errors.ts';
import {
  connectMessage,
  dnsMessage,
  droppedMessage,
  protocolMessage,
  timeoutMessage,
  tlsHandshakeMessage,
} from './messages.ts';
import { addTimings, roundTimings } from './phase-clock.ts';
import type { CheckResult, FailureReason, Phase, ResponseLog } from './types.ts';

/** Failures and results of a check run; CheckRun (probe.ts) adds the run itself. */
export class CheckReport extends CheckConnect {
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
    if (hop === null) return emptyLog(this.connection);
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

/** The log of a check that sent nothing. */
export function emptyLog(connection: string[]): ResponseLog {
  return {
    request: { line: '', headers: {} },
    response: null,
    body: null,
    bodyTruncated: false,
    connection,
  };
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
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
