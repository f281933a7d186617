// SQLite side of incident delivery inside a write transaction (AlertTx): reading and saving
// alerts, linking incidents, the evidence of failing checks, and queuing outbox rows, all in the
// transaction of the state change that caused them. Rows and their conversions live here too.
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
import { allForKeys } from './batches.ts';
import { type CheckRow, parseLog, toCheck } from './check-rows.ts';
import type { SqlValue } from './connection.ts';
import { insertRows, type WriteTx } from './database.ts';
import { INCIDENT_COLUMNS, INCIDENT_UPSERT } from './runtime-rows.ts';

export interface AlertRow {
  data: string;
}

export interface OutboxRow {
  id: number;
  alert_id: string;
  sink: string;
  op: Operation;
  snapshot: string;
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

interface MonitorRow {
  history_id: number;
  id: string;
  name: string;
  spec: string;
  secret_values: string;
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
  return { ...toHead(row), snapshot: JSON.parse(row.snapshot) as OperationSnapshot };
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

function toMonitor(row: MonitorRow): AlertMonitor {
  return {
    historyId: row.history_id,
    id: row.id,
    name: row.name,
    spec: JSON.parse(row.spec) as MonitorSpec,
    secrets: JSON.parse(row.secret_values) as Secrets,
  };
}

export const parseAlert = (row: AlertRow): Alert => JSON.parse(row.data) as Alert;

/** The one INSERT of an alert row; insertAlert and saveAlert differ only in their conflict clause. */
const INSERT_ALERT = `INSERT INTO alerts (id, kind, monitor_id, subject, status, start_at, closed_at, updated_at, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

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
    JSON.stringify(alert),
  ];
}

export class SqliteAlertTx implements AlertTx {
  readonly #tx: WriteTx;

  constructor(tx: WriteTx) {
    this.#tx = tx;
  }

  async alert(id: string): Promise<Alert | undefined> {
    const row = await this.#tx.get<AlertRow>('SELECT data FROM alerts WHERE id = ?', [id]);
    return row === undefined ? undefined : parseAlert(row);
  }

  async alertForIncident(incidentId: string): Promise<Alert | undefined> {
    const row = await this.#tx.get<AlertRow>(
      'SELECT a.data FROM alert_incidents l JOIN alerts a ON a.id = l.alert_id WHERE l.incident_id = ?',
      [incidentId],
    );
    return row === undefined ? undefined : parseAlert(row);
  }

  async activeAlert(subject: string, kind: AlertKind): Promise<Alert | undefined> {
    const row = await this.#tx.get<AlertRow>(
      `SELECT data FROM alerts WHERE subject = ? AND kind = ? AND status <> 'closed'
       ORDER BY start_at DESC LIMIT 1`,
      [subject, kind],
    );
    return row === undefined ? undefined : parseAlert(row);
  }

  async insertAlert(alert: Alert): Promise<boolean> {
    const { changes } = await this.#tx.run(`${INSERT_ALERT} ON CONFLICT (id) DO NOTHING`, alertParams(alert));
    return changes > 0;
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
      ['incident_id', 'alert_id'],
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
    const row = await this.#tx.get<MonitorRow>(
      `SELECT history_id, id, name, spec, secret_values FROM monitors WHERE ${key} = ?`,
      [value],
    );
    return row === undefined ? undefined : toMonitor(row);
  }

  async evidence(jobIds: readonly string[]): Promise<Map<string, CheckEvidence>> {
    const rows = await allForKeys<CheckRow & { log: string | null }>(
      this.#tx,
      `SELECT c.*, l.log AS log FROM checks c LEFT JOIN check_logs l ON l.job_id = c.job_id
       WHERE c.job_id IN (?*)`,
      [...new Set(jobIds)],
    );
    return new Map(
      rows.map((row) => [
        row.job_id,
        { check: toCheck(row), log: row.log === null ? null : parseLog(row.log) },
      ]),
    );
  }

  async enqueue(entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await insertRows(
      this.#tx,
      'outbox',
      ['alert_id', 'sink', 'op', 'snapshot', 'state', 'attempts', 'next_attempt_at', 'created_at'],
      entries.map((e) => [e.alertId, e.sink, e.op, JSON.stringify(e.snapshot), 'pending', 0, e.at, e.at]),
    );
    // The lane exists from its first row on: the API shows `pending` before anything is sent.
    await insertRows(
      this.#tx,
      'alert_deliveries',
      ['alert_id', 'sink', 'state', 'updated_at'],
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
          alert.suppressed ? 1 : 0,
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
