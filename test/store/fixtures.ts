// Test data for the store: monitor writes, flush batches (checks, states, incident events,
// runners) and outbox entries, as the collector hands them to any Store.
import type { Alert, Operation } from '../../collector/domain/alerts.ts';
import type { OutboxEntry } from '../../collector/store/alert-types.ts';
import type {
  CheckDetail,
  CheckRecord,
  EngineIncidentEvent,
  FlushBatch,
  RunnerRecord,
  StoredState,
} from '../../collector/store/runtime-types.ts';
import type { MonitorCreate, MonitorWrites } from '../../collector/store/types.ts';
import type { RegionEvent } from '../../collector/verdict/impairment.ts';
import type { IncidentEvent, MonitorState } from '../../collector/verdict/types.ts';
import type { MonitorSpec } from '../../schema/types.ts';
import { EMPTY_FLUSH, snapshot } from '../incidents/fixtures.ts';

export const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
export const HOUR = 3_600_000;

/** A new lineage for `spec`, with these secret values. */
export function create(spec: MonitorSpec, secrets: Record<string, string> = {}): MonitorCreate {
  return { spec, specHash: `h-${spec.id}-${spec.url}`, secretHashes: {}, secrets, diff: [], replaces: null };
}

export function writes(parts: Partial<MonitorWrites>): MonitorWrites {
  return { gitRevision: 'abc123', at: T0, creates: [], updates: [], deletes: [], ...parts };
}

export function batch(parts: Partial<FlushBatch>): FlushBatch {
  return { ...EMPTY_FLUSH, ...parts };
}

/** A stored check of monitor `m<historyId>` in region eu, 8 ms, 200 or 500. */
export function checkRecord(
  id: string,
  historyId: number,
  at: number,
  ok: boolean,
  extra: Partial<CheckRecord> = {},
): CheckRecord {
  return {
    id,
    historyId,
    monitorId: `m${historyId}`,
    region: 'eu',
    runner: null,
    purpose: 'scheduled',
    roundId: `round-${id}`,
    startedAt: at,
    dueAt: at,
    claimedAt: at,
    receivedAt: at + 100,
    ok,
    reason: ok ? null : 'status',
    message: ok ? '200 OK' : 'status 500 is not 2xx',
    status: ok ? 200 : 500,
    httpVersion: '1.1',
    remoteIp: '127.0.0.1',
    remoteFamily: 4,
    timings: { resolve: 1, connect: 1, tls: null, processing: 5, transfer: 1, total: 8 },
    tlsDaysLeft: null,
    detail: { phase: null, tls: null, redirects: [], assertions: [] },
    mark: null,
    hasLog: false,
    ...extra,
  };
}

/** A check's detail with the certificate it saw. */
export function tlsDetail(validTo: string, daysLeft = 10): CheckDetail {
  return {
    phase: null,
    redirects: [],
    assertions: [],
    tls: {
      version: 'TLSv1.3',
      cipher: null,
      alpn: null,
      subject: 'CN=x',
      issuer: 'CN=ca',
      sans: [],
      validFrom: '2025-01-01T00:00:00.000Z',
      validTo,
      daysLeft,
      selfSigned: false,
      legacyFallback: false,
    },
  };
}

/** A verdict incident event of monitor `m<historyId>`: a confirmed down opened at T0. */
export function incidentEvent(historyId: number, fields: Partial<IncidentEvent> = {}): EngineIncidentEvent {
  const event: IncidentEvent = {
    type: 'opened',
    kind: 'down',
    monitorId: `m${historyId}`,
    incidentId: `m${historyId}:down:${T0}`,
    cause: 'confirmed',
    start: T0,
    end: null,
    lastFailure: T0,
    failedChecks: 2,
    reason: 'status',
    firstJobId: null,
    suppressed: false,
    at: T0,
    votes: [],
    score: null,
    ...fields,
  };
  return { source: 'monitor', historyId, event };
}

/** A region impairment event opened at T0. */
export function regionEvent(region: string, fields: Partial<RegionEvent> = {}): EngineIncidentEvent {
  const event: RegionEvent = {
    type: 'opened',
    kind: 'region',
    region,
    incidentId: `region:${region}:${T0}`,
    start: T0,
    end: null,
    at: T0,
    candidates: 10,
    failing: 9,
    ratio: 0.9,
    monitors: ['m1'],
    ...fields,
  };
  return { source: 'region', event };
}

/** Monitor `m<historyId>` up since T0. */
export function storedState(historyId: number, fields: Partial<StoredState> = {}): StoredState {
  return {
    historyId,
    monitorId: `m${historyId}`,
    verdict: { state: 'up', since: T0 } as MonitorState,
    lastRoundAt: T0,
    lastResults: [],
    updatedAt: T0,
    ...fields,
  };
}

export function runnerRecord(fields: Partial<RunnerRecord> = {}): RunnerRecord {
  return {
    id: 'r1',
    region: 'eu',
    name: 'eu-1',
    version: '1.0.0',
    concurrency: 4,
    embedded: false,
    tokenHash: 'aa',
    keyFingerprint: 'ff',
    expiresAt: T0 + 86_400_000,
    registeredAt: T0,
    lastSeen: T0,
    deregisteredAt: null,
    ...fields,
  };
}

/** One outbox row for `alert` and `sink`. */
export function entry(alert: Alert, sink: string, op: Operation, at = T0): OutboxEntry {
  return { alertId: alert.id, sink, op, snapshot: snapshot(op, alert), at };
}
