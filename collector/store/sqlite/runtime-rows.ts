// Row <-> record mapping for the runtime tables of monitors and runners: verdict states,
// incidents (from verdict and region events) and runner sessions. Checks: check-rows.ts.
import type { RegionEvent } from '../../verdict/impairment.ts';
import type { IncidentEvent, MonitorState } from '../../verdict/types.ts';
import type {
  IncidentRecord,
  RegionResult,
  RunnerRecord,
  StoredIncidentKind,
  StoredState,
} from '../runtime-types.ts';
import type { SqlValue } from './connection.ts';

export const STATE_COLUMNS = [
  'history_id',
  'monitor_id',
  'state',
  'since',
  'verdict',
  'last_round_at',
  'last_results',
  'updated_at',
] as const;

export interface StateRow {
  history_id: number;
  monitor_id: string;
  state: string;
  since: number;
  verdict: string;
  last_round_at: number | null;
  last_results: string;
  updated_at: number;
}

export function stateValues(s: StoredState): SqlValue[] {
  return [
    s.historyId,
    s.monitorId,
    s.verdict.state,
    s.verdict.since,
    JSON.stringify(s.verdict),
    s.lastRoundAt,
    JSON.stringify(s.lastResults),
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
    verdict: JSON.parse(row.verdict) as MonitorState,
    lastRoundAt: row.last_round_at,
    lastResults: JSON.parse(row.last_results) as RegionResult[],
    updatedAt: row.updated_at,
  };
}

export const INCIDENT_COLUMNS = [
  'id',
  'history_id',
  'monitor_id',
  'region',
  'kind',
  'start_at',
  'end_at',
  'last_failure',
  'failed_checks',
  'reason',
  'first_job_id',
  'suppressed',
  'opened_at',
  'resolved_at',
  'resolve_cause',
  'updated_at',
] as const;

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
  suppressed: number;
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
    suppressed: row.suppressed === 1,
    openedAt: row.opened_at,
    resolvedAt: row.resolved_at,
    resolveCause: row.resolve_cause,
    updatedAt: row.updated_at,
  };
}

/** The incident row a monitor event leaves (an upsert: opened inserts, later events update). */
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
    e.suppressed ? 1 : 0,
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
    0,
    e.at,
    resolved ? e.at : null,
    resolved ? 'recovered' : null,
    e.at,
  ];
}

/** On conflict an incident keeps its identity, start and opening; the rest follows the event. */
export const INCIDENT_UPSERT = `ON CONFLICT (id) DO UPDATE SET
  end_at = excluded.end_at,
  last_failure = max(incidents.last_failure, excluded.last_failure),
  failed_checks = excluded.failed_checks,
  suppressed = excluded.suppressed,
  resolved_at = excluded.resolved_at,
  resolve_cause = excluded.resolve_cause,
  updated_at = excluded.updated_at`;

export interface RunnerRow {
  id: string;
  region: string;
  name: string;
  version: string;
  concurrency: number;
  embedded: number;
  token_hash: string;
  key_fingerprint: string | null;
  expires_at: number | null;
  registered_at: number;
  last_seen: number;
  deregistered_at: number | null;
}

export const RUNNER_COLUMNS = [
  'id',
  'region',
  'name',
  'version',
  'concurrency',
  'embedded',
  'token_hash',
  'key_fingerprint',
  'expires_at',
  'registered_at',
  'last_seen',
  'deregistered_at',
] as const;

/**
 * A runner seen again keeps the latest sighting and its first deregistration; a renewed session
 * brings its new token hash and end.
 */
export const RUNNER_UPSERT = `ON CONFLICT (id) DO UPDATE SET last_seen = max(runners.last_seen, excluded.last_seen),
  deregistered_at = coalesce(excluded.deregistered_at, runners.deregistered_at),
  version = excluded.version, concurrency = excluded.concurrency,
  token_hash = excluded.token_hash, expires_at = excluded.expires_at`;

export function runnerValues(r: RunnerRecord): SqlValue[] {
  return [
    r.id,
    r.region,
    r.name,
    r.version,
    r.concurrency,
    r.embedded ? 1 : 0,
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
    embedded: row.embedded === 1,
    tokenHash: row.token_hash,
    keyFingerprint: row.key_fingerprint,
    expiresAt: row.expires_at,
    registeredAt: row.registered_at,
    lastSeen: row.last_seen,
    deregisteredAt: row.deregistered_at,
  };
}
