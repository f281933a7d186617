// Reads of stored checks, incidents and settings in PostgreSQL: newest-first pages of a lineage's
// checks (keyset paging on (started_at, id), pruned to the days asked for), single checks and
// response logs, incidents and their ordered events, and the small named settings.
import type {
  CheckLogRecord,
  CheckPage,
  CheckPageQuery,
  CheckRecord,
  CheckStore,
  EngineIncidentEvent,
  IncidentQuery,
  IncidentRecord,
  IncidentStore,
  StoredIncidentEvent,
} from '../runtime-types.ts';
import type { SettingsStore } from '../types.ts';
import { type CheckRow, type LogRow, toCheck } from './check-rows.ts';
import type { PgDatabase, SqlValue } from './database.ts';
import { type IncidentRow, toIncident } from './runtime-rows.ts';

/** `$k` for the next parameter of `params` after pushing `value`. */
function bind(params: SqlValue[], value: SqlValue): string {
  params.push(value);
  return `$${params.length}`;
}

export class PgCheckStore implements CheckStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async page(historyId: number, query: CheckPageQuery): Promise<CheckPage> {
    const params: SqlValue[] = [];
    const where = [`c.history_id = ${bind(params, historyId)}`];
    if (query.since !== undefined) where.push(`c.started_at >= ${bind(params, query.since)}`);
    if (query.before !== undefined) {
      const { startedAt, rowid } = query.before;
      const at = bind(params, startedAt);
      where.push(
        rowid === null
          ? `c.started_at < ${at}`
          : `(c.started_at < ${at} OR (c.started_at = ${at} AND c.id < ${bind(params, rowid)}))`,
      );
    }
    const logs = query.withLogs === true;
    const rows = await this.#db.reader.all<CheckRow & { log?: LogRow['log'] | null }>(
      `SELECT c.*${logs ? ', l.log AS log' : ''} FROM checks c
       ${logs ? 'LEFT JOIN check_logs l ON l.job_id = c.job_id' : ''}
       WHERE ${where.join(' AND ')}
       ORDER BY c.started_at DESC, c.id DESC LIMIT ${bind(params, query.limit + 1)}`,
      params,
    );
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    const last = page[page.length - 1];
    return {
      checks: page.map((row) => {
        const check = toCheck(row);
        return logs ? { ...check, log: row.log ?? null } : check;
      }),
      // The same cursor form as the SQLite store: `<started_at>.<row id>`.
      next: more && last ? `${last.started_at}.${last.id}` : null,
    };
  }

  async get(historyId: number, jobId: string): Promise<CheckRecord | undefined> {
    const row = await this.#db.reader.get<CheckRow>(
      'SELECT * FROM checks WHERE job_id = $1 AND history_id = $2',
      [jobId, historyId],
    );
    return row === undefined ? undefined : toCheck(row);
  }

  async log(historyId: number, jobId: string): Promise<CheckLogRecord | undefined> {
    const row = await this.#db.reader.get<LogRow>(
      'SELECT * FROM check_logs WHERE job_id = $1 AND history_id = $2',
      [jobId, historyId],
    );
    return row === undefined
      ? undefined
      : { jobId: row.job_id, historyId: row.history_id, startedAt: row.started_at, log: row.log };
  }
}

export class PgIncidentStore implements IncidentStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async list(query: IncidentQuery): Promise<IncidentRecord[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (query.status === 'open') where.push('resolved_at IS NULL');
    else if (query.status === 'resolved') where.push('resolved_at IS NOT NULL');
    if (query.monitorId !== undefined) where.push(`monitor_id = ${bind(params, query.monitorId)}`);
    if (query.kind !== undefined) where.push(`kind = ${bind(params, query.kind)}`);
    if (query.before !== undefined) where.push(`start_at < ${bind(params, query.before)}`);
    const rows = await this.#db.reader.all<IncidentRow>(
      `SELECT * FROM incidents ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY start_at DESC, id COLLATE "C" DESC LIMIT ${bind(params, query.limit)}`,
      params,
    );
    return rows.map(toIncident);
  }

  async get(id: string): Promise<IncidentRecord | undefined> {
    const row = await this.#db.reader.get<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id]);
    return row === undefined ? undefined : toIncident(row);
  }

  async events(id: string): Promise<StoredIncidentEvent[]> {
    const rows = await this.#db.reader.all<{
      seq: number;
      event: EngineIncidentEvent['event'];
      history_id: number | null;
    }>(
      `SELECT e.seq, e.event, i.history_id FROM incident_events e JOIN incidents i ON i.id = e.incident_id
       WHERE e.incident_id = $1 ORDER BY e.seq`,
      [id],
    );
    return rows.map((row) => {
      const event = row.event;
      const base: EngineIncidentEvent =
        event.kind === 'region'
          ? { source: 'region', event }
          : { source: 'monitor', historyId: row.history_id ?? 0, event };
      return { ...base, seq: row.seq };
    });
  }
}

export class PgSettingsStore implements SettingsStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async get(key: string): Promise<string | undefined> {
    const row = await this.#db.reader.get<{ value: string }>('SELECT value FROM settings WHERE key = $1', [
      key,
    ]);
    return row?.value;
  }

  setIfAbsent(key: string, value: string): Promise<string> {
    return this.#db.write(async (tx) => {
      await tx.run('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
        key,
        value,
      ]);
      const row = await tx.get<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
      return row!.value;
    });
  }
}
