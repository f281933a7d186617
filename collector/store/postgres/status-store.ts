// The status reads on PostgreSQL (../status-types.ts): pooled reads of the last committed state,
// the same queries as ../sqlite/status-store.ts with BOOLEAN flags and JSONB read in place.
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
import type { PgDatabase } from './database.ts';
import { PG_MIGRATIONS } from './migrate.ts';
import { BUCKET_COLUMNS } from './schema-status.ts';

interface RollupSums {
  checks: number;
  failures: number;
  unconfirmed: number;
  missed: number;
  rt_count: number;
  rt_sum: number;
  rt_min: number | null;
  rt_max: number | null;
  /** b0..bN as one array column instead of 25 (row objects cost per key). */
  buckets: number[];
}

const SUMS = `sum(checks) AS checks, sum(failures) AS failures, sum(unconfirmed) AS unconfirmed,
  sum(missed) AS missed, sum(rt_count) AS rt_count, sum(rt_sum) AS rt_sum, min(rt_min) AS rt_min,
  max(rt_max) AS rt_max, ARRAY[${BUCKET_COLUMNS.map((b) => `sum(${b})`).join(', ')}]::float8[] AS buckets`;

function toRollup(row: RollupSums): HourlyRollup {
  const buckets = row.buckets.map(Number);
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

interface IncidentRow {
  id: string;
  history_id: number | null;
  region: string | null;
  kind: string;
  start_at: number;
  end_at: number | null;
  reason: string | null;
  suppressed: boolean;
  resolved_at: number | null;
}

export class PgStatusStore implements StatusStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
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
    const rows = await this.#db.reader.all<{
      history_id: number;
      id: string;
      name: string;
      spec: {
        url?: string;
        method?: string;
        paused?: boolean;
        maintenance?: MaintenanceWindow[];
        regions?: string[] | null;
        interval?: number;
        timeout?: number;
      };
      created_at: number;
      first_result_at: number | null;
    }>(
      `SELECT m.history_id, m.id, m.name, m.spec, m.created_at, h.first_result_at
       FROM monitors m JOIN monitor_histories h ON h.history_id = m.history_id ORDER BY m.id COLLATE "C"`,
    );
    return rows.map(({ spec, ...row }) => ({
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
    }));
  }

  async states(changedAfter?: number): Promise<StateEntry[]> {
    const rows = await this.#db.reader.all<{
      history_id: number;
      state: string;
      since: number;
      last_results: RegionResult[];
      updated_at: number;
    }>(
      `SELECT history_id, state, since, last_results, updated_at FROM monitor_states
       ${changedAfter === undefined ? '' : 'WHERE updated_at > $1'}`,
      changedAfter === undefined ? [] : [changedAfter],
    );
    return rows.map((row) => ({
      historyId: row.history_id,
      state: row.state,
      since: row.since,
      lastResults: row.last_results,
      updatedAt: row.updated_at,
    }));
  }

  async incidents(since: number, changedAfter?: number): Promise<IncidentEntry[]> {
    const columns = 'id, history_id, region, kind, start_at, end_at, reason, suppressed, resolved_at';
    const [recent, open] = await Promise.all([
      changedAfter === undefined
        ? this.#db.reader.all<IncidentRow>(`SELECT ${columns} FROM incidents WHERE start_at >= $1`, [since])
        : this.#db.reader.all<IncidentRow>(
            `SELECT ${columns} FROM incidents WHERE start_at >= $1 AND updated_at > $2`,
            [since, changedAfter],
          ),
      this.#db.reader.all<IncidentRow>(
        `SELECT ${columns} FROM incidents WHERE resolved_at IS NULL AND start_at < $1`,
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
      suppressed: row.suppressed,
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
      `SELECT history_id, kind, start_at, end_at FROM monitor_spans WHERE end_at >= $1
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
      `SELECT history_id, ${SUMS} FROM rollups WHERE hour >= $1 AND hour < $2 GROUP BY history_id`,
      [fromHour, toHour],
    );
    return new Map(rows.map((row) => [row.history_id, toRollup(row)]));
  }

  async hourRows(
    hour: number,
    changedAfter?: number,
  ): Promise<Array<{ historyId: number; region: string; rollup: HourlyRollup }>> {
    const rows = await this.#db.reader.all<RollupSums & { history_id: number; region: string }>(
      `SELECT history_id, region, checks, failures, unconfirmed, missed, rt_count, rt_sum, rt_min, rt_max,
         ARRAY[${BUCKET_COLUMNS.join(', ')}]::float8[] AS buckets
       FROM rollups WHERE hour = $1 ${changedAfter === undefined ? '' : 'AND updated_at > $2'}`,
      changedAfter === undefined ? [hour] : [hour, changedAfter],
    );
    return rows.map((row) => ({ historyId: row.history_id, region: row.region, rollup: toRollup(row) }));
  }

  async hourly(historyIds: readonly number[], fromHour: number): Promise<HourlyPoint[]> {
    if (historyIds.length === 0) return [];
    const rows = await this.#db.reader.all<RollupSums & { history_id: number; hour: number }>(
      `SELECT history_id, hour, ${SUMS} FROM rollups WHERE history_id = ANY($1::bigint[]) AND hour >= $2
       GROUP BY history_id, hour ORDER BY history_id, hour`,
      [historyIds, fromHour],
    );
    return rows.map((row) => ({ historyId: row.history_id, hour: row.hour, rollup: toRollup(row) }));
  }

  async runners(): Promise<RunnerEntry[]> {
    const rows = await this.#db.reader.all<{
      region: string;
      name: string;
      version: string;
      embedded: boolean;
      last_seen: number;
    }>(
      `SELECT region, name, version, embedded, last_seen FROM runners
       WHERE deregistered_at IS NULL ORDER BY region COLLATE "C", name COLLATE "C"`,
    );
    return rows.map((row) => ({
      region: row.region,
      name: row.name,
      version: row.version,
      embedded: row.embedded,
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
      ok: boolean;
      reason: string | null;
      timings: unknown;
      phase: Phase | null;
    }>(
      `SELECT id, region, ok, reason, timings, detail->>'phase' AS phase
       FROM checks WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    // Rows of a spill replayed from before null phases may hold 0 for them.
    return rows.map(({ timings, phase, ...row }) => ({
      ...row,
      timings: reportedTimings(timings, phase),
    }));
  }

  async tlsExpiry(): Promise<TlsExpiryEntry[]> {
    const rows = await this.#db.reader.all<{ history_id: number; region: string; expires_at: number }>(
      'SELECT t.history_id, t.region, t.expires_at FROM tls_expiry t JOIN monitors m ON m.history_id = t.history_id',
    );
    return rows.map((row) => ({ historyId: row.history_id, region: row.region, expiresAt: row.expires_at }));
  }

  async issueLinks(incidentIds: readonly string[]): Promise<Map<string, string>> {
    if (incidentIds.length === 0) return new Map();
    // Rows come GitHub last, so its URL wins over any other sink's.
    const rows = await this.#db.reader.all<{ incident_id: string; url: string }>(
      `SELECT ai.incident_id, d.ref_url AS url
       FROM alert_incidents ai JOIN alert_deliveries d ON d.alert_id = ai.alert_id
       WHERE ai.incident_id = ANY($1::text[]) AND d.ref_url IS NOT NULL
       ORDER BY d.sink = 'github'`,
      [incidentIds],
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
    const expectedVersion = PG_MIGRATIONS.length;
    return { ok: schemaVersion === expectedVersion, schemaVersion, expectedVersion };
  }
}
