// Row <-> record mapping of stored checks and response logs in PostgreSQL (flags are BOOLEAN,
// JSON columns come back parsed). The SQLite counterpart is ../sqlite/check-rows.ts.
import { reportedTimings } from '../../../probe/phase-clock.ts';
import type { ResponseLog, Timings } from '../../../probe/types.ts';
import type { CheckPurpose } from '../../domain/rounds.ts';
import type { Mark } from '../../verdict/types.ts';
import type { CheckDetail, CheckRecord } from '../runtime-types.ts';
import { type Column, cleanNullable, cleanText, jsonb } from './bulk.ts';
import type { SqlValue } from './database.ts';

/** Columns a flush writes, in the order of checkValues. */
export const CHECK_COLUMNS: readonly Column[] = [
  ['job_id', 'text'],
  ['history_id', 'bigint'],
  ['monitor_id', 'text'],
  ['region', 'text'],
  ['runner_id', 'text'],
  ['purpose', 'text'],
  ['round_id', 'text'],
  ['started_at', 'bigint'],
  ['due_at', 'bigint'],
  ['claimed_at', 'bigint'],
  ['received_at', 'bigint'],
  ['ok', 'boolean'],
  ['reason', 'text'],
  ['message', 'text'],
  ['status', 'integer'],
  ['http_version', 'text'],
  ['remote_ip', 'text'],
  ['remote_family', 'integer'],
  ['total_ms', 'double precision'],
  ['timings', 'jsonb'],
  ['tls_days_left', 'integer'],
  ['detail', 'jsonb'],
  ['mark', 'text'],
  ['has_log', 'boolean'],
  ['late', 'boolean'],
];

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
  ok: boolean;
  reason: CheckRecord['reason'];
  message: string;
  status: number | null;
  http_version: string | null;
  remote_ip: string | null;
  remote_family: 4 | 6 | null;
  total_ms: number | null;
  timings: Timings;
  tls_days_left: number | null;
  detail: CheckDetail;
  mark: Mark | null;
  has_log: boolean;
  late: boolean;
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
    c.ok,
    c.reason,
    cleanText(c.message),
    c.status,
    cleanNullable(c.httpVersion),
    c.remoteIp,
    c.remoteFamily,
    typeof c.timings.total === 'number' && Number.isFinite(c.timings.total) ? c.timings.total : null,
    jsonb(c.timings),
    c.tlsDaysLeft,
    jsonb(c.detail),
    c.mark,
    c.hasLog,
    c.late === true,
  ];
}

export function toCheck(row: CheckRow): CheckRecord {
  const detail = row.detail;
  // A spill written by a collector from before null phases may hold 0 for phases that never
  // happened: read them as null (the rule of probe/phase-clock.ts), as the SQLite store does.
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
    ok: row.ok,
    reason: row.reason,
    message: row.message,
    status: row.status,
    httpVersion: row.http_version,
    remoteIp: row.remote_ip,
    remoteFamily: row.remote_family,
    timings: reportedTimings(row.timings, detail.phase),
    tlsDaysLeft: row.tls_days_left,
    detail,
    mark: row.mark,
    hasLog: row.has_log,
    ...(row.late ? { late: true } : {}),
  };
}

export interface LogRow {
  job_id: string;
  history_id: number;
  started_at: number;
  log: ResponseLog;
}

/** Epoch ms of the certificate end a check saw, or null (kept per lineage and region). */
export function tlsExpiresAt(c: CheckRecord): number | null {
  const validTo = c.detail.tls?.validTo;
  if (typeof validTo !== 'string') return null;
  const at = Date.parse(validTo);
  return Number.isFinite(at) ? at : null;
}
