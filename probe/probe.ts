// One check: resolve, connect, TLS, request, response, for each redirect hop on a fresh
// connection, under one deadline; then the verdict. Never throws: every failure is a result.

import { performance } from 'node:perf_hooks';
import { formatDurationForPeople } from '../common/format.ts';
import { CheckReport, emptyLog } from './check-result.ts';
import { DeadlineError, ProbeFailure } from './errors.ts';
import { needsBody } from './evaluate.ts';
import { evaluateResponse } from './evaluate-thread.ts';
import { addTimings, emptyTimings, roundTimings } from './phase-clock.ts';
import { type HopRequest, nextHop, REDIRECT_STATUSES, redirectTarget } from './redirect.ts';
import { requestHeaders } from './request-headers.ts';
import type { ProbeOptions, ProbeSpec } from './spec.ts';
import { defaultProbeTlsContext } from './tls-context.ts';
import type { CheckResult } from './types.ts';

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
    timings: emptyTimings(),
    tls: null,
    redirects: [],
    assertions: [],
    startedAt: new Date((options.now ?? Date.now)()).toISOString(),
    log: emptyLog([]),
  };
}

class CheckRun extends CheckReport {
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
    // Off the event loop when there is a body to judge (evaluate-thread.ts), within the deadline.
    const evaluation = await evaluateResponse(
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
      this.start + spec.timeout,
      spec.timeout,
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
}
