// PostgreSQL side of incident delivery (../alert-types.ts): alerts, their incident links, the
// outbox and per-sink delivery state. Alerts are stored whole as JSONB with the columns queries need.
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
import { MEMBER_LIVE_MS } from '../cluster-types.ts';
import type { CheckDetail, StoreTx } from '../runtime-types.ts';
import { type DeliveryRow, type OutboxRow, PgAlertTx, toDelivery, toHead, toOutbox } from './alert-tx.ts';
import { type PgDatabase, type PgReader, pgTxOf, type SqlValue } from './database.ts';

const HEAD_COLUMNS = `o.id, o.alert_id, o.sink, o.op, o.state, o.attempts, o.next_attempt_at, o.error_code, o.error,
  o.created_at, o.done_at`;

export class PgAlertStore implements AlertStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  get #reader(): PgReader {
    return this.#db.reader;
  }

  async inTransaction<T>(tx: StoreTx, work: (tx: AlertTx) => Promise<T>): Promise<T> {
    const held = pgTxOf(tx);
    await held.run('SAVEPOINT alerts');
    try {
      const result = await work(new PgAlertTx(held));
      await held.run('RELEASE SAVEPOINT alerts');
      return result;
    } catch (error) {
      // Also clears the aborted state a failed statement leaves the whole transaction in.
      await held.run('ROLLBACK TO SAVEPOINT alerts').catch(() => undefined);
      await held.run('RELEASE SAVEPOINT alerts').catch(() => undefined);
      throw error;
    }
  }

  write<T>(work: (tx: AlertTx) => Promise<T>): Promise<T> {
    return this.#db.write((tx) => work(new PgAlertTx(tx)));
  }

  async active(): Promise<Alert[]> {
    const rows = await this.#reader.all<{ data: Alert }>(
      `SELECT data FROM alerts WHERE status <> 'closed' ORDER BY start_at, id COLLATE "C"`,
    );
    return rows.map((r) => r.data);
  }

  async forIncidents(incidentIds: readonly string[]): Promise<Map<string, Alert>> {
    if (incidentIds.length === 0) return new Map();
    const rows = await this.#reader.all<{ incident_id: string; data: Alert }>(
      `SELECT l.incident_id, a.data FROM alert_incidents l JOIN alerts a ON a.id = l.alert_id
       WHERE l.incident_id = ANY($1::text[])`,
      [[...new Set(incidentIds)]],
    );
    return new Map(rows.map((row) => [row.incident_id, row.data]));
  }

  async list(query: AlertQuery): Promise<Alert[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (query.status === 'open') where.push("status <> 'closed'");
    else if (query.status === 'recent') {
      params.push(query.since ?? 0);
      where.push(`(status <> 'closed' OR closed_at >= $${params.length})`);
    }
    if (query.monitorId !== undefined) {
      params.push(query.monitorId);
      where.push(`monitor_id = $${params.length}`);
    }
    params.push(query.limit);
    const rows = await this.#reader.all<{ data: Alert }>(
      `SELECT data FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY start_at DESC, id COLLATE "C" DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => r.data);
  }

  async deliveries(alertIds: readonly string[]): Promise<DeliveryRecord[]> {
    if (alertIds.length === 0) return [];
    const rows = await this.#reader.all<DeliveryRow>(
      `SELECT * FROM alert_deliveries WHERE alert_id = ANY($1::text[])
       ORDER BY alert_id COLLATE "C", sink COLLATE "C"`,
      [alertIds],
    );
    return rows.map(toDelivery);
  }

  async outboxSummary(alertIds: readonly string[]): Promise<OutboxSummary[]> {
    if (alertIds.length === 0) return [];
    // Per lane: counts, its first pending row, and its last error (DISTINCT ON picks the newest).
    const rows = await this.#reader.all<{
      alert_id: string;
      sink: string;
      pending: number;
      failed: number;
      next_attempt_at: number | null;
      attempts: number | null;
      error_code: string | null;
      error: string | null;
    }>(
      `WITH lanes AS (
         SELECT alert_id, sink, count(*) FILTER (WHERE state = 'pending') AS pending,
                count(*) FILTER (WHERE state = 'failed') AS failed,
                min(id) FILTER (WHERE state = 'pending') AS first_pending
         FROM outbox WHERE alert_id = ANY($1::text[]) GROUP BY alert_id, sink
       ),
       errors AS (
         SELECT DISTINCT ON (alert_id, sink) alert_id, sink, error_code, error FROM outbox
         WHERE alert_id = ANY($1::text[]) AND error_code IS NOT NULL ORDER BY alert_id, sink, id DESC
       )
       SELECT l.alert_id, l.sink, l.pending, l.failed, h.next_attempt_at, h.attempts, e.error_code, e.error
       FROM lanes l
       LEFT JOIN outbox h ON h.id = l.first_pending
       LEFT JOIN errors e ON e.alert_id = l.alert_id AND e.sink = l.sink
       ORDER BY l.alert_id COLLATE "C", l.sink COLLATE "C"`,
      [alertIds],
    );
    return rows.map((r) => ({
      alertId: r.alert_id,
      sink: r.sink,
      pending: r.pending,
      failed: r.failed,
      nextAttemptAt: r.next_attempt_at,
      attempts: r.attempts ?? 0,
      lastErrorCode: r.error_code,
      lastError: r.error,
    }));
  }

  async outbox(alertId: string): Promise<OutboxRecord[]> {
    const rows = await this.#reader.all<OutboxRow>('SELECT * FROM outbox WHERE alert_id = $1 ORDER BY id', [
      alertId,
    ]);
    return rows.map(toOutbox);
  }

  async outboxDepth(): Promise<{ pending: number; failed: number }> {
    const row = await this.#reader.get<{ pending: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE state = 'pending') AS pending, count(*) FILTER (WHERE state = 'failed') AS failed
       FROM outbox`,
    );
    return { pending: row?.pending ?? 0, failed: row?.failed ?? 0 };
  }

  async heads(limit: number, now?: number): Promise<OutboxHead[]> {
    const rows = await this.#reader.all<Omit<OutboxRow, 'snapshot'>>(
      `SELECT ${HEAD_COLUMNS} FROM outbox o
       WHERE o.state = 'pending'
         AND o.id = (SELECT min(p.id) FROM outbox p
                     WHERE p.state = 'pending' AND p.alert_id = o.alert_id AND p.sink = o.sink)
         AND ($2::bigint IS NULL OR o.claimed_until IS NULL OR o.claimed_until <= $2)
       ORDER BY o.id LIMIT $1`,
      [limit, now ?? null],
    );
    return rows.map(toHead);
  }

  // The row is locked SKIP LOCKED: a claimer that finds it locked by another collector's claim
  // (or settle) gets nothing at once instead of waiting, and the conditions are read again on the
  // locked row, so of two claimers one wins. Lanes are written under their alert's row lock
  // (./alert-tx.ts), so a lane's ids commit in order and "no earlier pending row" is exact.
  claim(id: number, owner: string, now: number, until: number): Promise<OutboxRecord | undefined> {
    return this.#db.write(async (tx) => {
      const row = await tx.get<OutboxRow>(
        `UPDATE outbox o SET claimed_by = $2, claimed_until = $3
         WHERE o.id = (SELECT c.id FROM outbox c
                       WHERE c.id = $1 AND c.state = 'pending'
                         AND (c.claimed_until IS NULL OR c.claimed_until <= $4 OR c.claimed_by = $2)
                       FOR UPDATE SKIP LOCKED)
           AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.state = 'pending' AND p.alert_id = o.alert_id
                           AND p.sink = o.sink AND p.id < o.id)
         RETURNING o.*`,
        [id, owner, until, now],
      );
      return row === undefined ? undefined : toOutbox(row);
    });
  }

  async releaseDeadClaims(_owner: string, now: number): Promise<number> {
    return this.#db.write((tx) =>
      tx.run(
        `UPDATE outbox SET claimed_by = NULL, claimed_until = NULL
         WHERE state = 'pending' AND claimed_by IN (SELECT member_id FROM cluster_members WHERE heartbeat_at <= $1)`,
        [now - MEMBER_LIVE_MS],
      ),
    );
  }

  async renewClaim(id: number, owner: string, until: number): Promise<boolean> {
    const changed = await this.#db.write((tx) =>
      tx.run(`UPDATE outbox SET claimed_until = $1 WHERE id = $2 AND state = 'pending' AND claimed_by = $3`, [
        until,
        id,
        owner,
      ]),
    );
    return changed > 0;
  }

  async outboxRow(id: number): Promise<OutboxRecord | undefined> {
    const row = await this.#reader.get<OutboxRow>('SELECT * FROM outbox WHERE id = $1', [id]);
    return row === undefined ? undefined : toOutbox(row);
  }

  async laneHasMore(row: Pick<OutboxRecord, 'id' | 'alertId' | 'sink'>): Promise<boolean> {
    const found = await this.#reader.get<{ id: number }>(
      `SELECT id FROM outbox WHERE state = 'pending' AND alert_id = $1 AND sink = $2 AND id > $3 LIMIT 1`,
      [row.alertId, row.sink, row.id],
    );
    return found !== undefined;
  }

  async delivery(alertId: string, sink: string): Promise<DeliveryRecord | undefined> {
    const row = await this.#reader.get<DeliveryRow>(
      'SELECT * FROM alert_deliveries WHERE alert_id = $1 AND sink = $2',
      [alertId, sink],
    );
    return row === undefined ? undefined : toDelivery(row);
  }

  startAttempt(id: number): Promise<number> {
    return this.#db.write(async (tx) => {
      const row = await tx.get<{ attempts: number }>(
        'UPDATE outbox SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts - 1 AS attempts',
        [id],
      );
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
        `UPDATE outbox SET state = $1, done_at = $2, error_code = coalesce($3, error_code), error = coalesce($4, error),
           claimed_by = NULL, claimed_until = NULL
         WHERE id = $5`,
        [outcome.state, outcome.at, outcome.errorCode ?? null, outcome.error ?? null, id],
      );
      if (delivery !== null) {
        await tx.run(
          `INSERT INTO alert_deliveries (alert_id, sink, state, ref_id, ref_url, error_code, error, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
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
        `UPDATE outbox SET next_attempt_at = $1, error_code = $2, error = $3, claimed_by = NULL,
           claimed_until = NULL WHERE id = $4`,
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
       WHERE id > $1 AND id <= $2 AND tls_days_left IS NOT NULL ORDER BY id`,
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
    const row = await this.#reader.get<{ detail: CheckDetail }>('SELECT detail FROM checks WHERE id = $1', [
      checkId,
    ]);
    if (row === undefined) return undefined;
    const tls = row.detail.tls;
    return { validTo: tls?.validTo ?? null, subject: tls?.subject ?? null, issuer: tls?.issuer ?? null };
  }
}
