// Delivery as the API shows it, next to each incident of GET /v1/incidents: whether it was
// announced, and per sink the delivery state, the issue (number and URL), what is still queued
// and the last error (a permanent failure stays visible here).

import type { Alert } from '../domain/alerts.ts';
import type { AlertStore, DeliveryRecord, OutboxRecord, OutboxSummary } from '../store/alert-types.ts';

const iso = (at: number | null): string | null => (at === null ? null : new Date(at).toISOString());

export interface DeliveryView {
  sink: string;
  /** pending, open, resolved, closed_by_human, failed. */
  state: string;
  issue: { number: number; url: string | null } | null;
  /** Operations still queued, and those that failed for good. */
  pending: number;
  failed: number;
  /** Tries of the first queued operation so far, and when it is tried next. */
  attempts: number;
  nextAttemptAt: string | null;
  error: { code: string; message: string } | null;
}

export interface AlertView {
  /** The alert's id: the first incident it wraps (a failure during recovery_after continues it). */
  id: string;
  status: string;
  /** announced: opened in the sinks; recorded: ended before it was announced; null: neither yet. */
  outcome: string | null;
  announcedAt: string | null;
  closedAt: string | null;
  deliveries: DeliveryView[];
}

export interface OperationView {
  id: number;
  sink: string;
  op: string;
  state: string;
  attempts: number;
  queuedAt: string | null;
  doneAt: string | null;
  nextAttemptAt: string | null;
  error: { code: string; message: string } | null;
}

function deliveryView(d: DeliveryRecord, summary: OutboxSummary | undefined): DeliveryView {
  const number = d.refId === null ? Number.NaN : Number(d.refId);
  const code = d.errorCode ?? summary?.lastErrorCode ?? null;
  const message = d.error ?? summary?.lastError ?? null;
  return {
    sink: d.sink,
    state: d.state,
    issue: Number.isInteger(number) ? { number, url: d.refUrl } : null,
    pending: summary?.pending ?? 0,
    failed: summary?.failed ?? 0,
    attempts: summary?.attempts ?? 0,
    nextAttemptAt: iso(summary?.nextAttemptAt ?? null),
    error: code === null ? null : { code, message: message ?? '' },
  };
}

function alertView(alert: Alert, deliveries: DeliveryRecord[], summaries: OutboxSummary[]): AlertView {
  return {
    id: alert.id,
    status: alert.status,
    outcome: alert.outcome,
    announcedAt: iso(alert.announcedAt),
    closedAt: iso(alert.closedAt),
    deliveries: deliveries.map((d) =>
      deliveryView(
        d,
        summaries.find((s) => s.sink === d.sink),
      ),
    ),
  };
}

/** The delivery view of each incident that has an alert, by incident id. */
export async function alertViews(
  store: AlertStore,
  incidentIds: readonly string[],
): Promise<Map<string, AlertView>> {
  const alerts = await store.forIncidents(incidentIds);
  const ids = [...new Set([...alerts.values()].map((a) => a.id))];
  const [deliveries, summaries] = await Promise.all([store.deliveries(ids), store.outboxSummary(ids)]);
  const views = new Map<string, AlertView>();
  for (const [incidentId, alert] of alerts) {
    views.set(
      incidentId,
      alertView(
        alert,
        deliveries.filter((d) => d.alertId === alert.id),
        summaries.filter((s) => s.alertId === alert.id),
      ),
    );
  }
  return views;
}

export function operationView(row: OutboxRecord): OperationView {
  return {
    id: row.id,
    sink: row.sink,
    op: row.op,
    state: row.state,
    attempts: row.attempts,
    queuedAt: iso(row.createdAt),
    doneAt: iso(row.doneAt),
    nextAttemptAt: row.state === 'pending' ? iso(row.nextAttemptAt) : null,
    error: row.errorCode === null ? null : { code: row.errorCode, message: row.error ?? '' },
  };
}

const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });
const errorSchema = nullable({
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' } },
});

export const alertViewSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string' },
    outcome: { type: ['string', 'null'] },
    announcedAt: { type: ['string', 'null'] },
    closedAt: { type: ['string', 'null'] },
    deliveries: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          sink: { type: 'string' },
          state: { type: 'string' },
          issue: nullable({
            type: 'object',
            properties: { number: { type: 'integer' }, url: { type: ['string', 'null'] } },
          }),
          pending: { type: 'integer' },
          failed: { type: 'integer' },
          attempts: { type: 'integer' },
          nextAttemptAt: { type: ['string', 'null'] },
          error: errorSchema,
        },
      },
    },
  },
} as const;
