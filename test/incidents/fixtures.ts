// Test data for incident delivery: alerts, votes and response logs as the recorder builds them.

import type { Alert, MonitorInfo, Operation, VoteDetail } from '../../collector/domain/alerts.ts';
import type { OperationSnapshot } from '../../collector/domain/operation-snapshot.ts';
import { emptyFlushBatch, type FlushBatch } from '../../collector/store/runtime-types.ts';
import type { ResponseLog } from '../../probe/types.ts';

export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

export function monitorInfo(overrides: Partial<MonitorInfo> = {}): MonitorInfo {
  return {
    id: 'api',
    name: 'API',
    method: 'GET',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
    url: 'https://api.example.invalid/health?key=${API_KEY}',
    alert: { labels: ['team:payments'], assignees: ['octocat'], mentions: ['@my-org/on-call'] },
    ...overrides,
  };
}

export function vote(region: string, ok: boolean, at = T0, extra: Partial<VoteDetail> = {}): VoteDetail {
  return {
    region,
    jobId: `job-${region}-${at}`,
    ok,
    reason: ok ? null : 'status',
    message: ok ? '200 OK' : 'status 500 is not 2xx',
    status: ok ? 200 : 500,
    ip: '203.0.113.7',
    timings: { resolve: 1.25, connect: 10.5, tls: 20, processing: 150.4, transfer: 3, total: 185.15 },
    at,
    ...extra,
  };
}

export function responseLog(overrides: Partial<ResponseLog> = {}): ResponseLog {
  return {
    request: {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
      line: 'GET /health?key=${API_KEY} HTTP/1.1',
      headers: { accept: '*/*', 'user-agent': 'Vigil/0.1.0' },
    },
    response: { status: 500, headers: { 'content-type': 'text/html', server: 'nginx' } },
    body: '<h1>Internal Server Error</h1>',
    bodyTruncated: false,
    connection: ['resolved api.example.invalid to 203.0.113.7', 'connected to 203.0.113.7:443', 'TLSv1.3'],
    ...overrides,
  };
}

export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: `api:down:${T0}`,
    kind: 'down',
    monitorId: 'api',
    subject: 'api',
    monitor: monitorInfo(),
    status: 'open',
    start: T0,
    lastFailure: T0 + 120_000,
    end: null,
    failedChecks: 6,
    priorFailedChecks: 0,
    reason: 'status',
    suppressed: false,
    resolvedAt: null,
    endCause: null,
    announcedAt: null,
    lastReminderAt: null,
    closedAt: null,
    outcome: null,
    votes: [vote('eu-west', false), vote('us-east', false), vote('ap-south', true)],
    firstFailure: {
      region: 'eu-west',
      jobId: `job-eu-west-${T0}`,
      at: T0,
      message: 'status 500 is not 2xx',
      log: responseLog(),
    },
    score: null,
    certificate: null,
    region: null,
    sinks: ['github'],
    incidentIds: [`api:down:${T0}`],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function snapshot(op: Operation, alert: Alert = makeAlert(), at = T0 + 180_000): OperationSnapshot {
  return { op, alert, at };
}

/** A flush batch with nothing in it (add `events`). */
export const EMPTY_FLUSH: FlushBatch = emptyFlushBatch();
