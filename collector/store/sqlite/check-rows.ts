// Row <-> record mapping for what a flush writes about jobs: check results, their response logs,
// marks set later, and jobs that never ran (counted as missed in the hourly rollups).
import { reportedTimings } from '../../../probe/phase-clock.ts';
import type { ResponseLog } from '../../../probe/types.ts';
import type { CheckPurpose } from '../../domain/rounds.ts';
import { HOUR_MS } from '../../rollups/hourly.ts';
import type { Mark } from '../../verdict/types.ts';
import type { CheckDetail, CheckLogRecord, CheckRecord, FlushBatch } from '../runtime-types.ts';
import type { SqlValue } from './connection.ts';

export const CHECK_COLUMNS = [
  'job_id',
  'history_id',
  'monitor_id',
  'region',
  'runner_id',
  'purpose',
  'round_id',
  'started_at',
  'due_at',
  'claimed_at',
  'received_at',
  'ok',
  'reason',
  'message',
  'status',
  'http_version',
  'remote_ip',
  'remote_family',
  'total_ms',
  'timings',
  'tls_days_left',
  'detail',
  'mark',
  'has_log',
  'late',
] as const;

export interface CheckRow {
  id: number;
  job_id: string;
  history_id: number;
  monitor_id: string;
  region: string;
  runner_id: string | null;
  purpose: CheckPurpose;
  round_id: string;
  started_at: number;
  due_at: number;
  claimed_at: number;
  received_at: number;
  ok: number;
  reason: CheckRecord['reason'];
  message: string;
  status: number | null;
  http_version: string | null;
  remote_ip: string | null;
  remote_family: 4 | 6 | null;
  total_ms: number | null;
  timings: string;
  tls_days_left: number | null;
  detail: string;
  mark: Mark | null;
  has_log: number;
  late: number;
}

export function checkValues(c: CheckRecord): SqlValue[] {
  return [
    c.id,
    c.historyId,
    c.monitorId,
    c.region,
    c.runner,
    c.purpose,
    c.roundId,
    c.startedAt,
    c.dueAt,
    c.claimedAt,
    c.receivedAt,
    c.ok ? 1 : 0,
    c.reason,
    c.message,
    c.status,
    c.httpVersion,
    c.remoteIp,
    c.remoteFamily,
    Number.isFinite(c.timings.total) ? c.timings.total : null,
    JSON.stringify(c.timings),
    c.tlsDaysLeft,
    JSON.stringify(c.detail),
    c.mark,
    c.hasLog ? 1 : 0,
    c.late === true ? 1 : 0,
  ];
}

export function toCheck(row: CheckRow): CheckRecord {
  const detail = JSON.parse(row.detail) as CheckDetail;
  // Rows stored before null phases hold 0 for phases that never happened: read them as null (the
  // rule a runner's report goes through, probe/phase-clock.ts), rather than rewrite every stored
  // check in a migration.
  if (Array.isArray(detail.redirects)) {
    detail.redirects = detail.redirects.map((hop) => ({
      ...hop,
      timings: reportedTimings(hop.timings, null),
    }));
  }
  return {
    id: row.job_id,
    historyId: row.history_id,
    monitorId: row.monitor_id,
    region: row.region,
    runner: row.runner_id,
    purpose: row.purpose,
    roundId: row.round_id,
    startedAt: row.started_at,
    dueAt: row.due_at,
    claimedAt: row.claimed_at,
    receivedAt: row.received_at,
    ok: row.ok === 1,
    reason: row.reason,
    message: row.message,
    status: row.status,
    httpVersion: row.http_version,
    remoteIp: row.remote_ip,
    remoteFamily: row.remote_family,
    timings: reportedTimings(JSON.parse(row.timings), detail.phase),
    tlsDaysLeft: row.tls_days_left,
    detail,
    mark: row.mark,
    hasLog: row.has_log === 1,
    ...(row.late === 1 ? { late: true } : {}),
  };
}

/** A job's check and log are written once: a result sent again changes nothing. */
export const ONCE_PER_JOB = 'ON CONFLICT (job_id) DO NOTHING';

export const markPair = (m: FlushBatch['marks'][number]): [string, string] => [m.jobId, m.mark];

export const LOG_COLUMNS = ['job_id', 'history_id', 'started_at', 'log'] as const;

export function logValues(l: CheckLogRecord): SqlValue[] {
  return [l.jobId, l.historyId, l.startedAt, JSON.stringify(l.log)];
}

export const MISSED_COLUMNS = ['hour', 'history_id', 'region', 'missed', 'updated_at'] as const;

export const MISSED_UPSERT = `ON CONFLICT (hour, history_id, region) DO UPDATE SET missed = missed + excluded.missed,
  updated_at = max(updated_at, excluded.updated_at)`;

/** One rollups row per (hour, lineage, region) counting the misses in it (region '' = none chosen). */
export function missedValues(missed: FlushBatch['missed']): SqlValue[][] {
  const counts = new Map<string, [number, number, string, number]>();
  for (const m of missed) {
    const hour = Math.floor(m.at / HOUR_MS) * HOUR_MS;
    const key = `${hour}\u0000${m.historyId}\u0000${m.region ?? ''}`;
    const row = counts.get(key);
    if (row) row[3] += 1;
    else counts.set(key, [hour, m.historyId, m.region ?? '', 1]);
  }
  const now = Math.max(...missed.map((m) => m.at));
  return [...counts.values()].map(([hour, historyId, region, n]) => [hour, historyId, region, n, now]);
}

export function parseLog(text: string): ResponseLog {
  return JSON.parse(text) as ResponseLog;
}
