// PostgreSQL side of incident delivery inside a write transaction (AlertTx): alerts, incident
// links, the evidence of failing checks and outbox rows, all in the transaction of the state change
// that caused them (../sqlite/alert-tx.ts is the SQLite counterpart). Row conversions live here too.
import type { MonitorSpec, Secrets } from '../../../schema/types.ts';
import type { Alert, AlertKind, Operation } from '../../domain/alerts.ts';
import type { OperationSnapshot } from '../../domain/operation-snapshot.ts';
import type {
  AlertMonitor,
  AlertTx,
  CheckEvidence,
  DeliveryRecord,
  DeliveryState,
  OutboxEntry,
  OutboxHead,
  OutboxRecord,
} from '../alert-types.ts';
import { insertRows, jsonb } from './bulk.ts';
import { type CheckRow, type LogRow, toCheck } from './check-rows.ts';
import type { PgTx, SqlValue } from './database.ts';
import { INCIDENT_COLUMNS, INCIDENT_UPSERT } from './runtime-rows.ts';

export interface OutboxRow {
  id: number;
  alert_id: string;
  sink: string;
  op: Operation;
  snapshot: OperationSnapshot;
  state: OutboxRecord['state'];
  attempts: number;
  next_attempt_at: number;
  error_code: string | null;
  error: string | null;
  created_at: number;
  done_at: number | null;
}

export interface DeliveryRow {
  alert_id: string;
  sink: string;
  state: DeliveryState;
  ref_id: string | null;
  ref_url: string | null;
  error_code: string | null;
  error: string | null;
  updated_at: number;
}

export function toHead(row: Omit<OutboxRow, 'snapshot'>): OutboxHead {
  return {
    id: row.id,
    alertId: row.alert_id,
    sink: row.sink,
    op: row.op,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    errorCode: row.error_code,
    error: row.error,
    createdAt: row.created_at,
    doneAt: row.done_at,
  };
}

export function toOutbox(row: OutboxRow): OutboxRecord {
  return { ...toHead(row), snapshot: row.snapshot };
}

export function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    alertId: row.alert_id,
    sink: row.sink,
    state: row.state,
    refId: row.ref_id,
    refUrl: row.ref_url,
    errorCode: row.error_code,
    error: row.error,
    updatedAt: row.updated_at,
  };
}

// The alert reads lock the alert's row (FOR UPDATE) until the transaction ends: two collectors
// changing one alert (one's flush, another's timing tick) take turns and the second reads what the
// first committed, so an operation is queued once, and a lane's outbox ids commit in id order.
/** The one INSERT of an alert row; insertAlert and saveAlert differ only in their conflict clause. */
const INSERT_ALERT = `INSERT INTO alerts (id, kind, monitor_id, subject, status, start_at, closed_at, updated_at, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

function alertParams(alert: Alert): SqlValue[] {
  return [
    alert.id,
    alert.kind,
    alert.monitorId,
    alert.subject,
    alert.status,
    alert.start,
    alert.closedAt,
    alert.updatedAt,
    jsonb(alert),
  ];
}

export class PgAlertTx implements AlertTx {
  readonly #tx: PgTx;

  constructor(tx: PgTx) {
    this.#tx = tx;
  }

  async alert(id: string): Promise<Alert | undefined> {
    return (await this.#tx.get<{ data: Alert }>('SELECT data FROM alerts WHERE id = $1 FOR UPDATE', [id]))
      ?.data;
  }

  async alertForIncident(incidentId: string): Promise<Alert | undefined> {
    const row = await this.#tx.get<{ data: Alert }>(
      `SELECT a.data FROM alert_incidents l JOIN alerts a ON a.id = l.alert_id WHERE l.incident_id = $1
       FOR UPDATE OF a`,
      [incidentId],
    );
    return row?.data;
  }

  async activeAlert(subject: string, kind: AlertKind): Promise<Alert | undefined> {
    const row = await this.#tx.get<{ data: Alert }>(
      `SELECT data FROM alerts WHERE subject = $1 AND kind = $2 AND status <> 'closed'
       ORDER BY start_at DESC LIMIT 1 FOR UPDATE`,
      [subject, kind],
    );
    return row?.data;
  }

  async insertAlert(alert: Alert): Promise<boolean> {
    const inserted = await this.#tx.run(`${INSERT_ALERT} ON CONFLICT (id) DO NOTHING`, alertParams(alert));
    return inserted > 0;
  }

  async saveAlert(alert: Alert): Promise<void> {
    await this.#tx.run(
      `${INSERT_ALERT}
       ON CONFLICT (id) DO UPDATE SET monitor_id = excluded.monitor_id, status = excluded.status,
         closed_at = excluded.closed_at, updated_at = excluded.updated_at, data = excluded.data`,
      alertParams(alert),
    );
    await insertRows(
      this.#tx,
      'alert_incidents',
      [
        ['incident_id', 'text'],
        ['alert_id', 'text'],
      ],
      alert.incidentIds.map((id) => [id, alert.id]),
      'ON CONFLICT (incident_id) DO NOTHING',
    );
  }

  monitorByHistory(historyId: number): Promise<AlertMonitor | undefined> {
    return this.#monitor('history_id', historyId);
  }

  monitorById(id: string): Promise<AlertMonitor | undefined> {
    return this.#monitor('id', id);
  }

  async #monitor(key: 'history_id' | 'id', value: number | string): Promise<AlertMonitor | undefined> {
    const row = await this.#tx.get<{
      history_id: number;
      id: string;
      name: string;
      spec: MonitorSpec;
      secret_values: Secrets;
    }>(`SELECT history_id, id, name, spec, secret_values FROM monitors WHERE ${key} = $1`, [value]);
    return row === undefined
      ? undefined
      : { historyId: row.history_id, id: row.id, name: row.name, spec: row.spec, secrets: row.secret_values };
  }

  async evidence(jobIds: readonly string[]): Promise<Map<string, CheckEvidence>> {
    if (jobIds.length === 0) return new Map();
    const rows = await this.#tx.all<CheckRow & { log: LogRow['log'] | null }>(
      `SELECT c.*, l.log AS log FROM checks c LEFT JOIN check_logs l ON l.job_id = c.job_id
       WHERE c.job_id = ANY($1::text[])`,
      [[...new Set(jobIds)]],
    );
    return new Map(rows.map((row) => [row.job_id, { check: toCheck(row), log: row.log }]));
  }

  async enqueue(entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // Rows in the order given: the identity numbers them in insertion order (the lane order).
    await this.#tx.run(
      `INSERT INTO outbox (alert_id, sink, op, snapshot, state, attempts, next_attempt_at, created_at)
       SELECT alert_id, sink, op, snapshot, 'pending', 0, at, at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::bigint[]) WITH ORDINALITY
         AS v(alert_id, sink, op, snapshot, at, ord)
       ORDER BY ord`,
      [
        entries.map((e) => e.alertId),
        entries.map((e) => e.sink),
        entries.map((e) => e.op),
        entries.map((e) => jsonb(e.snapshot)),
        entries.map((e) => e.at),
      ],
    );
    // The lane exists from its first row on: the API shows `pending` before anything is sent.
    await insertRows(
      this.#tx,
      'alert_deliveries',
      [
        ['alert_id', 'text'],
        ['sink', 'text'],
        ['state', 'text'],
        ['updated_at', 'bigint'],
      ],
      entries.map((e) => [e.alertId, e.sink, 'pending', e.at]),
      'ON CONFLICT (alert_id, sink) DO NOTHING',
    );
  }

  async recordIncident(alert: Alert, historyId: number | null): Promise<void> {
    const resolved = alert.status !== 'open';
    await insertRows(
      this.#tx,
      'incidents',
      INCIDENT_COLUMNS,
      [
        [
          alert.id,
          historyId,
          alert.monitorId,
          alert.kind === 'region' ? alert.subject : null,
          alert.kind,
          alert.start,
          resolved ? alert.end : null,
          alert.lastFailure,
          alert.failedChecks,
          alert.reason ?? (alert.kind === 'certificate' ? 'tls_expiring' : null),
          null,
          alert.suppressed,
          alert.createdAt,
          resolved ? alert.resolvedAt : null,
          resolved ? alert.endCause : null,
          alert.updatedAt,
        ],
      ],
      INCIDENT_UPSERT,
    );
  }
}
