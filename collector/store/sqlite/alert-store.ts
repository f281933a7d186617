// SQLite side of incident delivery (../alert-types.ts): alerts, their incident links, the outbox
// and per-sink delivery state. Alerts are stored whole as JSON with the columns queries need.
import type { Alert } from '../../domain/alerts.ts';
import type {
  AlertQuery,
  AlertStore,
  AlertTx,
  CertificateOfCheck,
  DeliveryRecord,
  OutboxHead,
  OutboxRecord,
  OutboxSummary,
  TlsObservation,
} from '../alert-types.ts';
import type { CheckDetail, StoreTx } from '../runtime-types.ts';
import {
  type AlertRow,
  type DeliveryRow,
  type OutboxRow,
  parseAlert,
  SqliteAlertTx,
  toDelivery,
  toHead,
  toOutbox,
} from './alert-tx.ts';
import { allForKeys, marks } from './batches.ts';
import type { SqlValue } from './connection.ts';
import { type ReadConn, type SqliteDatabase, writeTxOf } from './database.ts';

export class SqliteAlertStore implements AlertStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  get #reader(): ReadConn {
    return this.#db.reader;
  }

  async inTransaction<T>(tx: StoreTx, work: (tx: AlertTx) => Promise<T>): Promise<T> {
    const held = writeTxOf(tx);
    await held.exec('SAVEPOINT alerts');
    try {
      const result = await work(new SqliteAlertTx(held));
      await held.exec('RELEASE alerts');
      return result;
    } catch (error) {
      await held.exec('ROLLBACK TO alerts; RELEASE alerts').catch(() => undefined);
      throw error;
    }
  }

  write<T>(work: (tx: AlertTx) => Promise<T>): Promise<T> {
    return this.#db.write((tx) => work(new SqliteAlertTx(tx)));
  }

  async active(): Promise<Alert[]> {
    const rows = await this.#reader.all<AlertRow>(
      "SELECT data FROM alerts WHERE status <> 'closed' ORDER BY start_at, id",
    );
    return rows.map(parseAlert);
  }

  async forIncidents(incidentIds: readonly string[]): Promise<Map<string, Alert>> {
    const rows = await allForKeys<AlertRow & { incident_id: string }>(
      this.#reader,
      `SELECT l.incident_id, a.data FROM alert_incidents l JOIN alerts a ON a.id = l.alert_id
       WHERE l.incident_id IN (?*)`,
      [...new Set(incidentIds)],
    );
    return new Map(rows.map((row) => [row.incident_id, parseAlert(row)]));
  }

  async list(query: AlertQuery): Promise<Alert[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (query.status === 'open') where.push("status <> 'closed'");
    else if (query.status === 'recent') {
      where.push("(status <> 'closed' OR closed_at >= ?)");
      params.push(query.since ?? 0);
    }
    if (query.monitorId !== undefined) {
      where.push('monitor_id = ?');
      params.push(query.monitorId);
    }
    const rows = await this.#reader.all<AlertRow>(
      `SELECT data FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY start_at DESC, id DESC LIMIT ?`,
      [...params, query.limit],
    );
    return rows.map(parseAlert);
  }

  async deliveries(alertIds: readonly string[]): Promise<DeliveryRecord[]> {
    if (alertIds.length === 0) return [];
    const rows = await this.#reader.all<DeliveryRow>(
      `SELECT * FROM alert_deliveries WHERE alert_id IN (${marks(alertIds.length)}) ORDER BY alert_id, sink`,
      alertIds,
    );
    return rows.map(toDelivery);
  }

  async outboxSummary(alertIds: readonly string[]): Promise<OutboxSummary[]> {
    if (alertIds.length === 0) return [];
    const rows = await this.#reader.all<{
      alert_id: string;
      sink: string;
      pending: number;
      failed: number;
      first_pending: number | null;
    }>(
      `SELECT alert_id, sink, sum(state = 'pending') AS pending, sum(state = 'failed') AS failed,
              min(CASE WHEN state = 'pending' THEN id END) AS first_pending
       FROM outbox WHERE alert_id IN (${marks(alertIds.length)}) GROUP BY alert_id, sink ORDER BY alert_id, sink`,
      alertIds,
    );
    const firsts = rows.map((r) => r.first_pending).filter((id): id is number => id !== null);
    const heads = new Map<number, OutboxRow>();
    if (firsts.length > 0) {
      const found = await this.#reader.all<OutboxRow>(
        `SELECT * FROM outbox WHERE id IN (${marks(firsts.length)})`,
        firsts,
      );
      for (const row of found) heads.set(row.id, row);
    }
    const lastErrors = await this.#reader.all<{
      alert_id: string;
      sink: string;
      error_code: string;
      error: string;
    }>(
      `SELECT o.alert_id, o.sink, o.error_code, o.error FROM outbox o
       WHERE o.alert_id IN (${marks(alertIds.length)}) AND o.error_code IS NOT NULL
         AND o.id = (SELECT max(id) FROM outbox p WHERE p.alert_id = o.alert_id AND p.sink = o.sink
                     AND p.error_code IS NOT NULL)`,
      alertIds,
    );
    const errorOf = new Map(lastErrors.map((e) => [`${e.alert_id}\u0000${e.sink}`, e]));
    return rows.map((r) => {
      const head = r.first_pending === null ? undefined : heads.get(r.first_pending);
      const error = errorOf.get(`${r.alert_id}\u0000${r.sink}`);
      return {
        alertId: r.alert_id,
        sink: r.sink,
        pending: r.pending,
        failed: r.failed,
        nextAttemptAt: head?.next_attempt_at ?? null,
        attempts: head?.attempts ?? 0,
        lastErrorCode: error?.error_code ?? null,
        lastError: error?.error ?? null,
      };
    });
  }

  async outbox(alertId: string): Promise<OutboxRecord[]> {
    const rows = await this.#reader.all<OutboxRow>('SELECT * FROM outbox WHERE alert_id = ? ORDER BY id', [
      alertId,
    ]);
    return rows.map(toOutbox);
  }

  async outboxDepth(): Promise<{ pending: number; failed: number }> {
    const row = await this.#reader.get<{ pending: number | null; failed: number | null }>(
      "SELECT sum(state = 'pending') AS pending, sum(state = 'failed') AS failed FROM outbox",
    );
    return { pending: row?.pending ?? 0, failed: row?.failed ?? 0 };
  }

  async heads(limit: number, now?: number): Promise<OutboxHead[]> {
    const rows = await this.#reader.all<Omit<OutboxRow, 'snapshot'>>(
      `SELECT o.id, o.alert_id, o.sink, o.op, o.state, o.attempts, o.next_attempt_at, o.error_code, o.error,
              o.created_at, o.done_at
       FROM outbox o
       WHERE o.state = 'pending'
         AND o.id = (SELECT min(p.id) FROM outbox p
                     WHERE p.state = 'pending' AND p.alert_id = o.alert_id AND p.sink = o.sink)
         AND (? IS NULL OR o.claimed_until IS NULL OR o.claimed_until <= ?)
       ORDER BY o.id LIMIT ?`,
      [now ?? null, now ?? null, limit],
    );
    return rows.map(toHead);
  }

  // One writer: the claim's statement runs alone, so its conditions hold when it commits.
  claim(id: number, owner: string, now: number, until: number): Promise<OutboxRecord | undefined> {
    return this.#db.write(async (tx) => {
      const { changes } = await tx.run(
        `UPDATE outbox SET claimed_by = ?, claimed_until = ?
         WHERE id = ? AND state = 'pending'
           AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)
           AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.state = 'pending' AND p.alert_id = outbox.alert_id
                           AND p.sink = outbox.sink AND p.id < outbox.id)`,
        [owner, until, id, now, owner],
      );
      if (changes === 0) return undefined;
      const row = await tx.get<OutboxRow>('SELECT * FROM outbox WHERE id = ?', [id]);
      return row === undefined ? undefined : toOutbox(row);
    });
  }

  async releaseDeadClaims(owner: string, _now: number): Promise<number> {
    const { changes } = await this.#db.write((tx) =>
      tx.run(
        'UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by IS NOT NULL AND claimed_by <> ?',
        [owner],
      ),
    );
    return changes;
  }

  async renewClaim(id: number, owner: string, until: number): Promise<boolean> {
    const { changes } = await this.#db.write((tx) =>
      tx.run(`UPDATE outbox SET claimed_until = ? WHERE id = ? AND state = 'pending' AND claimed_by = ?`, [
        until,
        id,
        owner,
      ]),
    );
    return changes > 0;
  }

  async outboxRow(id: number): Promise<OutboxRecord | undefined> {
    const row = await this.#reader.get<OutboxRow>('SELECT * FROM outbox WHERE id = ?', [id]);
    return row === undefined ? undefined : toOutbox(row);
  }

  async laneHasMore(row: Pick<OutboxRecord, 'id' | 'alertId' | 'sink'>): Promise<boolean> {
    const found = await this.#reader.get<{ id: number }>(
      `SELECT id FROM outbox WHERE state = 'pending' AND alert_id = ? AND sink = ? AND id > ? LIMIT 1`,
      [row.alertId, row.sink, row.id],
    );
    return found !== undefined;
  }

  async delivery(alertId: string, sink: string): Promise<DeliveryRecord | undefined> {
    const row = await this.#reader.get<DeliveryRow>(
      'SELECT * FROM alert_deliveries WHERE alert_id = ? AND sink = ?',
      [alertId, sink],
    );
    return row === undefined ? undefined : toDelivery(row);
  }

  startAttempt(id: number): Promise<number> {
    return this.#db.write(async (tx) => {
      const row = await tx.get<{ attempts: number }>('SELECT attempts FROM outbox WHERE id = ?', [id]);
      await tx.run('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?', [id]);
      return row?.attempts ?? 0;
    });
  }

  settle(
    id: number,
    outcome: { state: 'done' | 'failed' | 'skipped'; errorCode?: string; error?: string; at: number },
    delivery: Omit<DeliveryRecord, 'updatedAt'> | null,
  ): Promise<void> {
    return this.#db.write(async (tx) => {
      await tx.run(
        `UPDATE outbox SET state = ?, done_at = ?, error_code = coalesce(?, error_code), error = coalesce(?, error),
           claimed_by = NULL, claimed_until = NULL
         WHERE id = ?`,
        [outcome.state, outcome.at, outcome.errorCode ?? null, outcome.error ?? null, id],
      );
      if (delivery !== null) {
        await tx.run(
          `INSERT INTO alert_deliveries (alert_id, sink, state, ref_id, ref_url, error_code, error, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (alert_id, sink) DO UPDATE SET state = excluded.state, ref_id = excluded.ref_id,
             ref_url = excluded.ref_url, error_code = excluded.error_code, error = excluded.error,
             updated_at = excluded.updated_at`,
          [
            delivery.alertId,
            delivery.sink,
            delivery.state,
            delivery.refId,
            delivery.refUrl,
            delivery.errorCode,
            delivery.error,
            outcome.at,
          ],
        );
      }
    });
  }

  async retryLater(id: number, nextAttemptAt: number, errorCode: string, error: string): Promise<void> {
    await this.#db.write((tx) =>
      tx.run(
        `UPDATE outbox SET next_attempt_at = ?, error_code = ?, error = ?, claimed_by = NULL, claimed_until = NULL
         WHERE id = ?`,
        [nextAttemptAt, errorCode, error, id],
      ),
    );
  }

  async lastCheckId(): Promise<number> {
    const row = await this.#reader.get<{ id: number | null }>('SELECT max(id) AS id FROM checks');
    return row?.id ?? 0;
  }

  async tlsObservations(afterId: number, upTo: number): Promise<TlsObservation[]> {
    const rows = await this.#reader.all<{
      id: number;
      history_id: number;
      monitor_id: string;
      started_at: number;
      tls_days_left: number;
    }>(
      `SELECT id, history_id, monitor_id, started_at, tls_days_left FROM checks
       WHERE id > ? AND id <= ? AND tls_days_left IS NOT NULL ORDER BY id`,
      [afterId, upTo],
    );
    return rows.map((row) => ({
      checkId: row.id,
      historyId: row.history_id,
      monitorId: row.monitor_id,
      startedAt: row.started_at,
      daysLeft: row.tls_days_left,
    }));
  }

  async certificateOf(checkId: number): Promise<CertificateOfCheck | undefined> {
    const row = await this.#reader.get<{ detail: string }>('SELECT detail FROM checks WHERE id = ?', [
      checkId,
    ]);
    if (row === undefined) return undefined;
    const tls = (JSON.parse(row.detail) as CheckDetail).tls;
    return { validTo: tls?.validTo ?? null, subject: tls?.subject ?? null, issuer: tls?.issuer ?? null };
  }
}
