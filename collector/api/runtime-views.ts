// How runtime data appears in the API: ISO times, stable field names, no secrets (check messages
// and logs are redacted before storage; jobs' secret values never leave the job queue).
import type { MonitorStatus } from '../engine/engine.ts';
import type { CheckRecord, IncidentRecord, RegionResult } from '../store/runtime-types.ts';
import type { Incident } from '../verdict/types.ts';

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export interface RegionResultView {
  region: string;
  checkId: string;
  runner: string | null;
  purpose: string;
  ok: boolean;
  reason: string | null;
  message: string;
  status: number | null;
  totalMs: number | null;
  at: string | null;
  mark: string | null;
}

export function regionResultView(r: RegionResult): RegionResultView {
  return {
    region: r.region,
    checkId: r.jobId,
    runner: r.runner,
    purpose: r.purpose,
    ok: r.ok,
    reason: r.reason,
    message: r.message,
    status: r.status,
    totalMs: r.totalMs,
    at: iso(r.at),
    mark: r.mark,
  };
}

export interface OpenIncidentView {
  id: string;
  kind: string;
  start: string | null;
  lastFailure: string | null;
  failedChecks: number;
  reason: string | null;
  suppressed: boolean;
}

export function openIncidentView(i: Incident): OpenIncidentView {
  return {
    id: i.id,
    kind: i.kind,
    start: iso(i.start),
    lastFailure: iso(i.lastFailure),
    failedChecks: i.failedChecks,
    reason: i.reason,
    suppressed: i.suppressed,
  };
}

/** The runtime part of a monitor's view (GET /v1/monitors/:id). */
export interface MonitorStatusView {
  state: string;
  since: string | null;
  /** e.g. "no runner in regions eu-west, us-east"; null when all is well. */
  note: string | null;
  lastCheckAt: string | null;
  /** Flapping score over the last window, null until the window is full. */
  score: number | null;
  incident: OpenIncidentView | null;
  lastResults: RegionResultView[];
}

export function statusView(s: MonitorStatus): MonitorStatusView {
  return {
    state: s.state,
    since: iso(s.since),
    note: s.note,
    lastCheckAt: iso(s.lastCheckAt),
    score: s.score,
    incident: s.incident ? openIncidentView(s.incident) : null,
    lastResults: s.lastResults.map(regionResultView),
  };
}

export const regionResultSchema = {
  title: 'RegionResult',
  type: 'object',
  properties: {
    region: { type: 'string' },
    checkId: { type: 'string' },
    runner: { type: ['string', 'null'] },
    purpose: { type: 'string' },
    ok: { type: 'boolean' },
    reason: { type: ['string', 'null'] },
    message: { type: 'string' },
    status: { type: ['integer', 'null'] },
    totalMs: { type: ['number', 'null'] },
    at: { type: ['string', 'null'] },
    mark: { type: ['string', 'null'] },
  },
} as const;

export const openIncidentSchema = {
  title: 'OpenIncident',
  type: ['object', 'null'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    start: { type: ['string', 'null'] },
    lastFailure: { type: ['string', 'null'] },
    failedChecks: { type: 'integer' },
    reason: { type: ['string', 'null'] },
    suppressed: { type: 'boolean' },
  },
} as const;

/** Properties the monitor view gains from the engine (merged into monitorViewSchema). */
export const monitorStatusProperties = {
  since: { type: ['string', 'null'] },
  note: { type: ['string', 'null'] },
  lastCheckAt: { type: ['string', 'null'] },
  score: { type: ['number', 'null'] },
  incident: openIncidentSchema,
  lastResults: { type: 'array', items: regionResultSchema },
} as const;

export interface CheckView {
  id: string;
  monitorId: string;
  at: string | null;
  dueAt: string | null;
  claimedAt: string | null;
  region: string;
  runner: string | null;
  purpose: string;
  roundId: string;
  ok: boolean;
  reason: string | null;
  message: string;
  status: number | null;
  httpVersion: string | null;
  remoteIp: string | null;
  remoteFamily: number | null;
  phases: CheckRecord['timings'];
  tlsDaysLeft: number | null;
  mark: string | null;
  detail: CheckRecord['detail'];
  hasLog: boolean;
  /** Arrived after its round was over (a runner cut off): kept in history, never a vote. */
  late: boolean;
  log?: unknown;
}

export function checkView(c: CheckRecord & { log?: unknown }): CheckView {
  const view: CheckView = {
    id: c.id,
    monitorId: c.monitorId,
    at: iso(c.startedAt),
    dueAt: iso(c.dueAt),
    claimedAt: iso(c.claimedAt),
    region: c.region,
    runner: c.runner,
    purpose: c.purpose,
    roundId: c.roundId,
    ok: c.ok,
    reason: c.reason,
    message: c.message,
    status: c.status,
    httpVersion: c.httpVersion,
    remoteIp: c.remoteIp,
    remoteFamily: c.remoteFamily,
    phases: c.timings,
    tlsDaysLeft: c.tlsDaysLeft,
    mark: c.mark,
    detail: c.detail,
    hasLog: c.hasLog,
    late: c.late === true,
  };
  if ('log' in c) view.log = c.log ?? null;
  return view;
}

export const checkViewSchema = {
  title: 'Check',
  type: 'object',
  properties: {
    id: { type: 'string' },
    monitorId: { type: 'string' },
    at: { type: ['string', 'null'] },
    dueAt: { type: ['string', 'null'] },
    claimedAt: { type: ['string', 'null'] },
    region: { type: 'string' },
    runner: { type: ['string', 'null'] },
    purpose: { type: 'string' },
    roundId: { type: 'string' },
    ok: { type: 'boolean' },
    reason: { type: ['string', 'null'] },
    message: { type: 'string' },
    status: { type: ['integer', 'null'] },
    httpVersion: { type: ['string', 'null'] },
    remoteIp: { type: ['string', 'null'] },
    remoteFamily: { type: ['integer', 'null'] },
    phases: { type: 'object', additionalProperties: true },
    tlsDaysLeft: { type: ['integer', 'null'] },
    mark: { type: ['string', 'null'] },
    detail: { type: 'object', additionalProperties: true },
    hasLog: { type: 'boolean' },
    late: { type: 'boolean' },
    log: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

export interface IncidentView {
  id: string;
  kind: string;
  monitorId: string | null;
  region: string | null;
  start: string | null;
  end: string | null;
  open: boolean;
  lastFailure: string | null;
  failedChecks: number;
  reason: string | null;
  suppressed: boolean;
  openedAt: string | null;
  resolvedAt: string | null;
  resolveCause: string | null;
  /**
   * Confirmed downtime of a `down` incident, in ms: first failing check to last failing check (the
   * latest so far while it is open), as uptime counts it. Null for other kinds.
   */
  downtimeMs: number | null;
}

function downtimeOf(i: IncidentRecord): number | null {
  if (i.kind !== 'down') return null;
  return Math.max(0, (i.end ?? i.lastFailure) - i.start);
}

export function incidentView(i: IncidentRecord): IncidentView {
  return {
    id: i.id,
    kind: i.kind,
    monitorId: i.monitorId,
    region: i.region,
    start: iso(i.start),
    end: iso(i.end),
    open: i.resolvedAt === null,
    lastFailure: iso(i.lastFailure),
    failedChecks: i.failedChecks,
    reason: i.reason,
    suppressed: i.suppressed,
    openedAt: iso(i.openedAt),
    resolvedAt: iso(i.resolvedAt),
    resolveCause: i.resolveCause,
    downtimeMs: downtimeOf(i),
  };
}

export const incidentViewSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    monitorId: { type: ['string', 'null'] },
    region: { type: ['string', 'null'] },
    start: { type: ['string', 'null'] },
    end: { type: ['string', 'null'] },
    open: { type: 'boolean' },
    lastFailure: { type: ['string', 'null'] },
    failedChecks: { type: 'integer' },
    reason: { type: ['string', 'null'] },
    suppressed: { type: 'boolean' },
    openedAt: { type: ['string', 'null'] },
    resolvedAt: { type: ['string', 'null'] },
    resolveCause: { type: ['string', 'null'] },
    downtimeMs: { type: ['integer', 'null'] },
  },
} as const;
