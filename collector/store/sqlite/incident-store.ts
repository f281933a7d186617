// Reading incidents (newest first) and their ordered events.
import type {
  EngineIncidentEvent,
  IncidentQuery,
  IncidentRecord,
  IncidentStore,
  StoredIncidentEvent,
} from '../runtime-types.ts';
import type { SqlValue } from './connection.ts';
import type { SqliteDatabase } from './database.ts';
import { type IncidentRow, toIncident } from './runtime-rows.ts';

export class SqliteIncidentStore implements IncidentStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async list(query: IncidentQuery): Promise<IncidentRecord[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (query.status === 'open') where.push('resolved_at IS NULL');
    else if (query.status === 'resolved') where.push('resolved_at IS NOT NULL');
    if (query.monitorId !== undefined) {
      where.push('monitor_id = ?');
      params.push(query.monitorId);
    }
    if (query.kind !== undefined) {
      where.push('kind = ?');
      params.push(query.kind);
    }
    if (query.before !== undefined) {
      where.push('start_at < ?');
      params.push(query.before);
    }
    const rows = await this.#db.reader.all<IncidentRow>(
      `SELECT * FROM incidents ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY start_at DESC, id DESC LIMIT ?`,
      [...params, query.limit],
    );
    return rows.map(toIncident);
  }

  async get(id: string): Promise<IncidentRecord | undefined> {
    const row = await this.#db.reader.get<IncidentRow>('SELECT * FROM incidents WHERE id = ?', [id]);
    return row === undefined ? undefined : toIncident(row);
  }

  async events(id: string): Promise<StoredIncidentEvent[]> {
    const rows = await this.#db.reader.all<{ seq: number; event: string; history_id: number | null }>(
      `SELECT e.seq, e.event, i.history_id FROM incident_events e JOIN incidents i ON i.id = e.incident_id
       WHERE e.incident_id = ? ORDER BY e.seq`,
      [id],
    );
    return rows.map((row) => {
      const event = JSON.parse(row.event) as EngineIncidentEvent['event'];
      const base: EngineIncidentEvent =
        event.kind === 'region'
          ? { source: 'region', event }
          : { source: 'monitor', historyId: row.history_id ?? 0, event };
      return { ...base, seq: row.seq };
    });
  }
}
