// The status reads on SQLite (../status-types.ts). All reads go through the reader connection, so
// they see the last committed flush and never wait for the writer.
import { reportedTimings } from '../../../probe/phase-clock.ts';
import type { Phase } from '../../../probe/types.ts';
import type { MaintenanceWindow } from '../../../schema/types.ts';
import { BUCKET_COUNT } from '../../rollups/histogram.ts';
import type { HourlyRollup } from '../../rollups/hourly.ts';
import type { RegionResult } from '../runtime-types.ts';
import type {
  CatalogEntry,
  CheckTailRow,
  Generations,
  HourlyPoint,
  IncidentEntry,
  RunnerEntry,
  SpanEntry,
  StateEntry,
  StatusStore,
  TlsExpiryEntry,
} from '../status-types.ts';
import { allForKeys } from './batches.ts';
import type { SqliteDatabase } from './database.ts';
import { MIGRATIONS } from './migrations/index.ts';
import type { MonitorRow } from './monitor-store.ts';
import { BUCKET_COLUMNS } from './rollup-schema.ts';

interface RollupSums {
  checks: number;
  failures: number;
  unconfirmed: number;
  missed: number;
  rt_count: number;
  rt_sum: number;
  rt_min: number | null;
  rt_max: number | null;
  /** b0..bN summed, comma-separated: one string column instead of 25 (row objects cost per key). */
  buckets: string;
}

const SUMS = `sum(checks) AS checks, sum(failures) AS failures, sum(unconfirmed) AS unconfirmed,
  sum(missed) AS missed, sum(rt_count) AS rt_count, sum(rt_sum) AS rt_sum, min(rt_min) AS rt_min,
  max(rt_max) AS rt_max, ${BUCKET_COLUMNS.map((b) => `sum(${b})`).join(" || ',' || ")} AS buckets`;

function toRollup(row: RollupSums): HourlyRollup {
  const buckets = row.buckets.split(',').map(Number);
  while (buckets.length < BUCKET_COUNT) buckets.push(0);
  return {
    checks: row.checks,
    failures: row.failures,
    unconfirmed: row.unconfirmed,
    missed: row.missed,
    rtCount: row.rt_count,
    rtSum: row.rt_sum,
    rtMin: row.rt_min,
    rtMax: row.rt_max,
    buckets,
  };
}

export class SqliteStatusStore implements StatusStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async generations(): Promise<Generations> {
    const rows = await this.#db.reader.all<{ key: string; value: number }>(
      'SELECT key, value FROM status_meta',
    );
    const get = (key: string) => rows.find((r) => r.key === key)?.value ?? 0;
    return { catalog: get('catalog'), spans: get('spans') };
  }

  async catalog(): Promise<CatalogEntry[]> {
    const rows = await this.#db.reader.all<
      Pick<MonitorRow, 'history_id' | 'id' | 'name' | 'spec' | 'created_at'> & {
        first_result_at: number | null;
      }
    >(
      `SELECT m.history_id, m.id, m.name, m.spec, m.created_at, h.first_result_at
       FROM monitors m JOIN monitor_histories h ON h.history_id = m.history_id ORDER BY m.id`,
    );
    return rows.map((row) => {
      const spec = JSON.parse(row.spec) as {
        url?: string;
        method?: string;
        paused?: boolean;
        maintenance?: MaintenanceWindow[];
        regions?: string[] | null;
        interval?: number;
        timeout?: number;
      };
      return {
        historyId: row.history_id,
        id: row.id,
        name: row.name,
        url: spec.url ?? '',
        method: spec.method ?? 'GET',
        createdAt: row.created_at,
        firstResultAt: row.first_result_at,
        paused: spec.paused === true,
        maintenance: spec.maintenance ?? [],
        regions: spec.regions ?? null,
        interval: spec.interval ?? 60_000,
        timeout: spec.timeout ?? 15_000,
      };
    });
  }

  async states(changedAfter?: number): Promise<StateEntry[]> {
    // Without an index on updated_at SQLite scans the table (10,000 rows is a few ms on its own
    // thread); what costs on the event loop is turning rows into objects, so only changed ones are.
    const rows = await this.#db.reader.all<{
      history_id: number;
      state: string;
      since: number;
      last_results: string;
      updated_at: number;
    }>(
      `SELECT history_id, state, since, last_results, updated_at FROM monitor_states
       ${changedAfter === undefined ? '' : 'WHERE updated_at > ?'}`,
      changedAfter === undefined ? [] : [changedAfter],
    );
    return rows.map((row) => ({
      historyId: row.history_id,
      state: row.state,
      since: row.since,
      lastResults: JSON.parse(row.last_results) as RegionResult[],
      updatedAt: row.updated_at,
    }));
  }

  async incidents(since: number, changedAfter?: number): Promise<IncidentEntry[]> {
    // Two index ranges (by start, and the partial index of open ones) instead of an OR scan.
    const columns = 'id, history_id, region, kind, start_at, end_at, reason, suppressed, resolved_at';
    type Row = {
      id: string;
      history_id: number | null;
      region: string | null;
      kind: string;
      start_at: number;
      end_at: number | null;
      reason: string | null;
      suppressed: number;
      resolved_at: number | null;
    };
    const [recent, open] = await Promise.all([
      changedAfter === undefined
        ? this.#db.reader.all<Row>(`SELECT ${columns} FROM incidents WHERE start_at >= ?`, [since])
        : this.#db.reader.all<Row>(
            `SELECT ${columns} FROM incidents WHERE start_at >= ? AND updated_at > ?`,
            [since, changedAfter],
          ),
      this.#db.reader.all<Row>(
        `SELECT ${columns} FROM incidents WHERE resolved_at IS NULL AND start_at < ?`,
        [since],
      ),
    ]);
    return [...open, ...recent].map((row) => ({
      id: row.id,
      historyId: row.history_id,
      region: row.region,
      kind: row.kind,
      start: row.start_at,
      end: row.resolved_at === null ? null : (row.end_at ?? row.start_at),
      reason: row.reason,
      suppressed: row.suppressed === 1,
      resolvedAt: row.resolved_at,
    }));
  }

  async spans(since: number): Promise<SpanEntry[]> {
    const rows = await this.#db.reader.all<{
      history_id: number;
      kind: 'paused' | 'maintenance';
      start_at: number;
      end_at: number | null;
    }>(
      `SELECT history_id, kind, start_at, end_at FROM monitor_spans WHERE end_at >= ?
       UNION ALL SELECT history_id, kind, start_at, end_at FROM monitor_spans WHERE end_at IS NULL`,
      [since],
    );
    return rows.map((row) => ({
      historyId: row.history_id,
      kind: row.kind,
      start: row.start_at,
      end: row.end_at,
    }));
  }

  async maintenanceUntil(): Promise<Map<number, number>> {
    const rows = await this.#db.reader.all<{ history_id: number; maintenance_until: number }>(
      'SELECT history_id, maintenance_until FROM status_progress',
    );
    return new Map(rows.map((row) => [row.history_id, row.maintenance_until]));
  }

  async rollupTotals(fromHour: number, toHour: number): Promise<Map<number, HourlyRollup>> {
    const rows = await this.#db.reader.all<RollupSums & { history_id: number }>(
      `SELECT history_id, ${SUMS} FROM rollups WHERE hour >= ? AND hour < ? GROUP BY history_id`,
      [fromHour, toHour],
    );
    const out = new Map<number, HourlyRollup>();
    for (const row of rows) out.set(row.history_id, toRollup(row));
    return out;
  }

  async hourRows(
    hour: number,
    changedAfter?: number,
  ): Promise<Array<{ historyId: number; region: string; rollup: HourlyRollup }>> {
    const columns = `history_id, region, checks, failures, unconfirmed, missed, rt_count, rt_sum, rt_min, rt_max,
      ${BUCKET_COLUMNS.join(" || ',' || ")} AS buckets`;
    const rows = await this.#db.reader.all<RollupSums & { history_id: number; region: string }>(
      `SELECT ${columns} FROM rollups WHERE hour = ? ${changedAfter === undefined ? '' : 'AND updated_at > ?'}`,
      changedAfter === undefined ? [hour] : [hour, changedAfter],
    );
    return rows.map((row) => ({ historyId: row.history_id, region: row.region, rollup: toRollup(row) }));
  }

  async hourly(historyIds: readonly number[], fromHour: number): Promise<HourlyPoint[]> {
    const rows = await allForKeys<RollupSums & { history_id: number; hour: number }>(
      this.#db.reader,
      `SELECT history_id, hour, ${SUMS} FROM rollups WHERE history_id IN (?*) AND hour >= ?
       GROUP BY history_id, hour ORDER BY history_id, hour`,
      historyIds,
      [fromHour],
    );
    return rows.map((row) => ({ historyId: row.history_id, hour: row.hour, rollup: toRollup(row) }));
  }

  async runners(): Promise<RunnerEntry[]> {
    const rows = await this.#db.reader.all<{
      region: string;
      name: string;
      version: string;
      embedded: number;
      last_seen: number;
    }>(
      `SELECT region, name, version, embedded, last_seen FROM runners
       WHERE deregistered_at IS NULL ORDER BY region, name`,
    );
    return rows.map((row) => ({
      region: row.region,
      name: row.name,
      version: row.version,
      embedded: row.embedded === 1,
      lastSeen: row.last_seen,
    }));
  }

  async lastCheckId(): Promise<number> {
    const row = await this.#db.reader.get<{ id: number | null }>('SELECT max(id) AS id FROM checks');
    return row?.id ?? 0;
  }

  async checksAfter(afterId: number, limit: number): Promise<CheckTailRow[]> {
    const rows = await this.#db.reader.all<{
      id: number;
      region: string;
      ok: number;
      reason: string | null;
      timings: string;
      phase: Phase | null;
    }>(
      `SELECT id, region, ok, reason, timings, json_extract(detail, '$.phase') AS phase
       FROM checks WHERE id > ? ORDER BY id LIMIT ?`,
      [afterId, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      region: row.region,
      ok: row.ok === 1,
      reason: row.reason,
      // Rows stored before null phases (a spill replayed after an upgrade) may hold 0 for them.
      timings: reportedTimings(JSON.parse(row.timings), row.phase),
    }));
  }

  async tlsExpiry(): Promise<TlsExpiryEntry[]> {
    const rows = await this.#db.reader.all<{ history_id: number; region: string; expires_at: number }>(
      'SELECT t.history_id, t.region, t.expires_at FROM tls_expiry t JOIN monitors m ON m.history_id = t.history_id',
    );
    return rows.map((row) => ({ historyId: row.history_id, region: row.region, expiresAt: row.expires_at }));
  }

  // Issue links and the outbox are the incident delivery tables (migration 4): an incident belongs to an
  // alert (alert_incidents), whose delivery per sink keeps the issue URL (alert_deliveries.ref_url).
  async issueLinks(incidentIds: readonly string[]): Promise<Map<string, string>> {
    // Each chunk's rows come GitHub last, so its URL wins over any other sink's.
    const rows = await allForKeys<{ incident_id: string; url: string }>(
      this.#db.reader,
      `SELECT ai.incident_id, d.ref_url AS url
       FROM alert_incidents ai JOIN alert_deliveries d ON d.alert_id = ai.alert_id
       WHERE ai.incident_id IN (?*) AND d.ref_url IS NOT NULL
       ORDER BY d.sink = 'github'`,
      incidentIds,
    );
    return new Map(rows.map((row) => [row.incident_id, row.url]));
  }

  async outboxDepth(): Promise<number | null> {
    const row = await this.#db.reader.get<{ n: number }>(
      "SELECT count(*) AS n FROM outbox WHERE state = 'pending'",
    );
    return row?.n ?? 0;
  }

  async readiness(): Promise<{ ok: boolean; schemaVersion: number; expectedVersion: number }> {
    const row = await this.#db.reader.get<{ v: number | null }>(
      'SELECT max(version) AS v FROM schema_migrations',
    );
    const schemaVersion = row?.v ?? 0;
    const expectedVersion = MIGRATIONS.length;
    return { ok: schemaVersion === expectedVersion, schemaVersion, expectedVersion };
  }
}
