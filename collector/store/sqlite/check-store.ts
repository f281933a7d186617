// Reading stored checks: newest-first pages of a lineage's history (keyset paging on
// (started_at, id), so a page costs the same at any depth), single checks and response logs.
import type { CheckLogRecord, CheckPage, CheckPageQuery, CheckRecord, CheckStore } from '../runtime-types.ts';
import { type CheckRow, parseLog, toCheck } from './check-rows.ts';
import type { SqlValue } from './connection.ts';
import type { SqliteDatabase } from './database.ts';

/** Cursor of a check in a page: `<started_at>.<row id>`. */
export function checkCursor(startedAt: number, rowid: number): string {
  return `${startedAt}.${rowid}`;
}

export class SqliteCheckStore implements CheckStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async page(historyId: number, query: CheckPageQuery): Promise<CheckPage> {
    const where = ['c.history_id = ?'];
    const params: SqlValue[] = [historyId];
    if (query.since !== undefined) {
      where.push('c.started_at >= ?');
      params.push(query.since);
    }
    if (query.before !== undefined) {
      const { startedAt, rowid } = query.before;
      if (rowid === null) {
        where.push('c.started_at < ?');
        params.push(startedAt);
      } else {
        where.push('(c.started_at < ? OR (c.started_at = ? AND c.id < ?))');
        params.push(startedAt, startedAt, rowid);
      }
    }
    const logs = query.withLogs === true;
    const rows = await this.#db.reader.all<CheckRow & { log?: string | null }>(
      `SELECT c.*${logs ? ', l.log AS log' : ''} FROM checks c
       ${logs ? 'LEFT JOIN check_logs l ON l.job_id = c.job_id' : ''}
       WHERE ${where.join(' AND ')}
       ORDER BY c.started_at DESC, c.id DESC LIMIT ?`,
      [...params, query.limit + 1],
    );
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    const last = page[page.length - 1];
    return {
      checks: page.map((row) => {
        const check = toCheck(row);
        return logs ? { ...check, log: row.log ? parseLog(row.log) : null } : check;
      }),
      next: more && last ? checkCursor(last.started_at, last.id) : null,
    };
  }

  async get(historyId: number, jobId: string): Promise<CheckRecord | undefined> {
    const row = await this.#db.reader.get<CheckRow>(
      'SELECT * FROM checks WHERE job_id = ? AND history_id = ?',
      [jobId, historyId],
    );
    return row === undefined ? undefined : toCheck(row);
  }

  async log(historyId: number, jobId: string): Promise<CheckLogRecord | undefined> {
    const row = await this.#db.reader.get<{
      job_id: string;
      history_id: number;
      started_at: number;
      log: string;
    }>('SELECT * FROM check_logs WHERE job_id = ? AND history_id = ?', [jobId, historyId]);
    return row === undefined
      ? undefined
      : { jobId: row.job_id, historyId: row.history_id, startedAt: row.started_at, log: parseLog(row.log) };
  }
}
