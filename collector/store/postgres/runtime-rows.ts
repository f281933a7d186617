// Row <-> record mapping of verdict states, incidents and runner sessions in PostgreSQL (the
// SQLite counterpart is ../sqlite/runtime-rows.ts, whose upsert rules these follow).
import type { RegionEvent } from '../../verdict/impairment.ts';
import type { IncidentEvent, MonitorState } from '../../verdict/types.ts';
import type {
  IncidentRecord,
  RegionResult,
  RunnerRecord,
  StoredIncidentKind,
  StoredState,
} from '../runtime-types.ts';
import { type Column, jsonb } from './bulk.ts';
import type { SqlValue } from './database.ts';

export const STATE_COLUMNS: readonly Column[] = [
  ['history_id', 'bigint'],
  ['monitor_id', 'text'],
  ['state', 'text'],
  ['since', 'bigint'],
  ['verdict', 'jsonb'],
  ['last_round_at', 'bigint'],
  ['last_results', 'jsonb'],
  ['updated_at', 'bigint'],
];

export interface StateRow {
  history_id: number;
  monitor_id: string;
  state: string;
  since: number;
  verdict: MonitorState;
  last_round_at: number | null;
  last_results: RegionResult[];
  updated_at: number;
}

export function stateValues(s: StoredState): SqlValue[] {
  return [
    s.historyId,
    s.monitorId,
    s.verdict.state,
    s.verdict.since,
    jsonb(s.verdict),
    s.lastRoundAt,
    jsonb(s.lastResults),
    s.updatedAt,
  ];
}

export const STATE_UPSERT = `ON CONFLICT (history_id) DO UPDATE SET monitor_id = excluded.monitor_id,
  state = excluded.state, since = excluded.since, verdict = excluded.verdict,
  last_round_at = excluded.last_round_at, last_results = excluded.last_results,
  updated_at = excluded.updated_at`;

export function toState(row: StateRow): StoredState {
  return {
    historyId: row.history_id,
    monitorId: row.monitor_id,
    verdict: row.verdict,
    lastRoundAt: row.last_round_at,
    lastResults: row.last_results,
    updatedAt: row.updated_at,
  };
}

export const INCIDENT_COLUMNS: readonly Column[] = [
  ['id', 'text'],
  ['history_id', 'bigint'],
  ['monitor_id', 'text'],
  ['region', 'text'],
  ['kind', 'text'],
  ['start_at', 'bigint'],
  ['end_at', 'bigint'],
  ['last_failure', 'bigint'],
  ['failed_checks', 'integer'],
  ['reason', 'text'],
  ['first_job_id', 'text'],
  ['suppressed', 'boolean'],
  ['opened_at', 'bigint'],
  ['resolved_at', 'bigint'],
  ['resolve_cause', 'text'],
  ['updated_at', 'bigint'],
];

export interface IncidentRow {
  id: string;
  history_id: number | null;
  monitor_id: string | null;
  region: string | null;
  kind: StoredIncidentKind;
  start_at: number;
  end_at: number | null;
  last_failure: number;
  failed_checks: number;
  reason: string | null;
  first_job_id: string | null;
  suppressed: boolean;
  opened_at: number;
  resolved_at: number | null;
  resolve_cause: string | null;
  updated_at: number;
}

export function toIncident(row: IncidentRow): IncidentRecord {
  return {
    id: row.id,
    historyId: row.history_id,
    monitorId: row.monitor_id,
    region: row.region,
    kind: row.kind,
    start: row.start_at,
    end: row.end_at,
    lastFailure: row.last_failure,
    failedChecks: row.failed_checks,
    reason: row.reason,
    firstJobId: row.first_job_id,
    suppressed: row.suppressed,
    openedAt: row.opened_at,
    resolvedAt: row.resolved_at,
    resolveCause: row.resolve_cause,
    updatedAt: row.updated_at,
  };
}

export function monitorIncidentValues(historyId: number, e: IncidentEvent): SqlValue[] {
  const resolved = e.type === 'resolved';
  return [
    e.incidentId,
    historyId,
    e.monitorId,
    null,
    e.kind,
    e.start,
    resolved ? e.end : null,
    e.lastFailure,
    e.failedChecks,
    e.reason,
    e.firstJobId,
    e.suppressed,
    e.at,
    resolved ? e.at : null,
    resolved ? e.cause : null,
    e.at,
  ];
}

export function regionIncidentValues(e: RegionEvent): SqlValue[] {
  const resolved = e.type === 'resolved';
  return [
    e.incidentId,
    null,
    null,
    e.region,
    'region',
    e.start,
    resolved ? e.end : null,
    resolved && e.end !== null ? e.end : e.start,
    e.failing,
    'region_impaired',
    null,
    false,
    e.at,
    resolved ? e.at : null,
    resolved ? 'recovered' : null,
    e.at,
  ];
}

/** On conflict an incident keeps its identity, start and opening; the rest follows the event. */
export const INCIDENT_UPSERT = `ON CONFLICT (id) DO UPDATE SET
  end_at = excluded.end_at,
  last_failure = GREATEST(incidents.last_failure, excluded.last_failure),
  failed_checks = excluded.failed_checks,
  suppressed = excluded.suppressed,
  resolved_at = excluded.resolved_at,
  resolve_cause = excluded.resolve_cause,
  updated_at = excluded.updated_at`;

export const RUNNER_COLUMNS: readonly Column[] = [
  ['id', 'text'],
  ['region', 'text'],
  ['name', 'text'],
  ['version', 'text'],
  ['concurrency', 'integer'],
  ['embedded', 'boolean'],
  ['token_hash', 'text'],
  ['key_fingerprint', 'text'],
  ['expires_at', 'bigint'],
  ['registered_at', 'bigint'],
  ['last_seen', 'bigint'],
  ['deregistered_at', 'bigint'],
];

export type RunnerRow = {
  id: string;
  region: string;
  name: string;
  version: string;
  concurrency: number;
  embedded: boolean;
  token_hash: string;
  key_fingerprint: string | null;
  expires_at: number | null;
  registered_at: number;
  last_seen: number;
  deregistered_at: number | null;
};

export const RUNNER_UPSERT = `ON CONFLICT (id) DO UPDATE SET last_seen = GREATEST(runners.last_seen, excluded.last_seen),
  deregistered_at = coalesce(excluded.deregistered_at, runners.deregistered_at),
  version = excluded.version, concurrency = excluded.concurrency,
  token_hash = excluded.token_hash, expires_at = excluded.expires_at`;

/**
 * One row per runner for one upsert statement, merged by the upsert's own rules (a runner may
 * appear twice in a batch: SQLite applies the rows one after another).
 */
export function mergeRunners(runners: readonly RunnerRecord[]): RunnerRecord[] {
  const byId = new Map<string, RunnerRecord>();
  for (const r of runners) {
    const before = byId.get(r.id);
    byId.set(
      r.id,
      before === undefined
        ? r
        : {
            ...before,
            lastSeen: Math.max(before.lastSeen, r.lastSeen),
            deregisteredAt: r.deregisteredAt ?? before.deregisteredAt,
            version: r.version,
            concurrency: r.concurrency,
            tokenHash: r.tokenHash,
            expiresAt: r.expiresAt,
          },
    );
  }
  return [...byId.values()];
}

export function runnerValues(r: RunnerRecord): SqlValue[] {
  return [
    r.id,
    r.region,
    r.name,
    r.version,
    r.concurrency,
    r.embedded,
    r.tokenHash,
    r.keyFingerprint,
    r.expiresAt,
    r.registeredAt,
    r.lastSeen,
    r.deregisteredAt,
  ];
}

export function toRunner(row: RunnerRow): RunnerRecord {
  return {
    id: row.id,
    region: row.region,
    name: row.name,
    version: row.version,
    concurrency: row.concurrency,
    embedded: row.embedded,
    tokenHash: row.token_hash,
    keyFingerprint: row.key_fingerprint,
    expiresAt: row.expires_at,
    registeredAt: row.registered_at,
    lastSeen: row.last_seen,
    deregisteredAt: row.deregistered_at,
  };
}
