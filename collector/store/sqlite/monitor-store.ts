// Monitors in SQLite: current rows, their revisions, archived lineages. All writes of one sync
// happen in the transaction opened by `sync`, in batches of multi-row statements.
import type { FieldDiff } from '../../../schema/plan-types.ts';
import type { MonitorSpec, Secrets } from '../../../schema/types.ts';
import type {
  ArchivedMonitorRecord,
  MonitorRecord,
  MonitorRevisionRecord,
  MonitorStore,
  MonitorWrites,
  RevisionAction,
  SyncDecision,
} from '../types.ts';
import { updatePairs } from './batches.ts';
import type { SqlValue } from './connection.ts';

import {
  insertRows,
  type ReadConn,
  ROWS_PER_STATEMENT,
  runForKeys,
  type SqliteDatabase,
  type WriteTx,
} from './database.ts';

/** Columns of a `monitors` row as written (with the secret values), in the order rows are built. */
export const MONITOR_INSERT_COLUMNS = [
  'history_id',
  'id',
  'name',
  'spec',
  'spec_hash',
  'secret_hashes',
  'secret_values',
  'revision',
  'git_revision',
  'created_at',
  'updated_at',
];

const MONITOR_COLUMNS =
  'history_id, id, name, spec, spec_hash, secret_hashes, revision, git_revision, created_at, updated_at';

export interface MonitorRow {
  history_id: number;
  id: string;
  name: string;
  spec: string;
  spec_hash: string;
  secret_hashes: string;
  revision: number;
  git_revision: string | null;
  created_at: number;
  updated_at: number;
}

interface RevisionRow {
  history_id: number;
  revision: number;
  monitor_id: string;
  action: RevisionAction;
  spec: string;
  spec_hash: string;
  diff: string;
  git_revision: string | null;
  applied_at: number;
}

/** An `archived_monitors` row: the lineage's last `monitors` row and how it ended. */
interface ArchivedRow extends Omit<MonitorRow, 'secret_hashes' | 'git_revision'> {
  archived_at: number;
  reason: 'delete' | 'replace';
  replaced_by: number | null;
}

/** A `monitors` row as the Store hands it out (secret values stay out). */
export function toRecord(row: MonitorRow): MonitorRecord {
  return {
    historyId: row.history_id,
    id: row.id,
    name: row.name,
    spec: JSON.parse(row.spec) as MonitorSpec,
    specHash: row.spec_hash,
    secretHashes: JSON.parse(row.secret_hashes) as Record<string, string>,
    revision: row.revision,
    gitRevision: row.git_revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function loadAll(conn: ReadConn | WriteTx): Promise<MonitorRecord[]> {
  const rows = await conn.all<MonitorRow>(`SELECT ${MONITOR_COLUMNS} FROM monitors ORDER BY id`);
  return rows.map(toRecord);
}

export class SqliteMonitorStore implements MonitorStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  list(): Promise<MonitorRecord[]> {
    return loadAll(this.#db.reader);
  }

  async get(id: string): Promise<MonitorRecord | undefined> {
    const row = await this.#db.reader.get<MonitorRow>(
      `SELECT ${MONITOR_COLUMNS} FROM monitors WHERE id = ?`,
      [id],
    );
    return row === undefined ? undefined : toRecord(row);
  }

  async secrets(id: string): Promise<Secrets | undefined> {
    const row = await this.#db.reader.get<{ secret_values: string }>(
      'SELECT secret_values FROM monitors WHERE id = ?',
      [id],
    );
    return row === undefined ? undefined : (JSON.parse(row.secret_values) as Secrets);
  }

  async revisions(id: string): Promise<MonitorRevisionRecord[]> {
    const rows = await this.#db.reader.all<RevisionRow>(
      `SELECT r.* FROM monitor_revisions r JOIN monitors m ON m.history_id = r.history_id
       WHERE m.id = ? ORDER BY r.revision`,
      [id],
    );
    return rows.map((row) => ({
      historyId: row.history_id,
      revision: row.revision,
      monitorId: row.monitor_id,
      action: row.action,
      spec: JSON.parse(row.spec) as MonitorSpec,
      specHash: row.spec_hash,
      diff: JSON.parse(row.diff) as FieldDiff[],
      gitRevision: row.git_revision,
      appliedAt: row.applied_at,
    }));
  }

  async archived(id: string): Promise<ArchivedMonitorRecord[]> {
    const rows = await this.#db.reader.all<ArchivedRow>(
      'SELECT * FROM archived_monitors WHERE id = ? ORDER BY archived_at, history_id',
      [id],
    );
    return rows.map((row) => ({
      historyId: row.history_id,
      id: row.id,
      name: row.name,
      spec: JSON.parse(row.spec) as MonitorSpec,
      specHash: row.spec_hash,
      revision: row.revision,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      archivedAt: row.archived_at,
      reason: row.reason,
      replacedBy: row.replaced_by,
    }));
  }

  sync<T>(decide: (current: MonitorRecord[]) => SyncDecision<T>): Promise<T> {
    return this.#db.write(async (tx) => {
      const current = await loadAll(tx);
      const { result, writes } = decide(current);
      if (writes !== null) await applyWrites(tx, current, writes);
      return result;
    });
  }
}

async function applyWrites(tx: WriteTx, current: MonitorRecord[], writes: MonitorWrites): Promise<void> {
  const byHistory = new Map(current.map((record) => [record.historyId, record]));
  const lineage = (historyId: number): MonitorRecord => {
    const record = byHistory.get(historyId);
    if (record === undefined) throw new Error(`lineage ${historyId} is not current`);
    return record;
  };
  const { at, gitRevision } = writes;

  // 1. End lineages (deleted, or replaced): archive the row, log the event, free the id.
  const replaced = writes.creates.flatMap((create) => (create.replaces === null ? [] : [create.replaces]));
  for (const [reason, ids] of [
    ['delete', writes.deletes],
    ['replace', replaced],
  ] as const) {
    if (ids.length === 0) continue;
    for (const id of ids) lineage(id);
    await runForKeys(
      tx,
      `INSERT INTO monitor_revisions (history_id, revision, monitor_id, action, spec, spec_hash, diff, git_revision, applied_at)
       SELECT history_id, revision + 1, id, ?, spec, spec_hash, '[]', ?, ?
       FROM monitors WHERE history_id IN (?*)`,
      ids,
      [reason, gitRevision, at],
    );
    await runForKeys(
      tx,
      `INSERT INTO archived_monitors (history_id, id, name, spec, spec_hash, revision, created_at, updated_at, archived_at, reason, git_revision)
       SELECT history_id, id, name, spec, spec_hash, revision + 1, created_at, updated_at, ?, ?, ?
       FROM monitors WHERE history_id IN (?*)`,
      ids,
      [at, reason, gitRevision],
    );
    await runForKeys(tx, 'DELETE FROM monitors WHERE history_id IN (?*)', ids);
  }

  // 2. New revisions of living lineages (update, rename): one upsert per 500 rows.
  if (writes.updates.length > 0) {
    const rows: SqlValue[][] = [];
    const revisions: SqlValue[][] = [];
    for (const update of writes.updates) {
      const before = lineage(update.historyId);
      const revision = before.revision + 1;
      rows.push(monitorRow(update.historyId, update, revision, gitRevision, before.createdAt, at));
      revisions.push([update.historyId, update.action, JSON.stringify(update.diff)]);
    }
    await insertRows(
      tx,
      'monitors',
      MONITOR_INSERT_COLUMNS,
      rows,
      `ON CONFLICT (history_id) DO UPDATE SET id = excluded.id, name = excluded.name, spec = excluded.spec,
         spec_hash = excluded.spec_hash, secret_hashes = excluded.secret_hashes,
         secret_values = excluded.secret_values, revision = excluded.revision,
         git_revision = excluded.git_revision, updated_at = excluded.updated_at`,
    );
    await insertRevisions(tx, revisions);
  }

  // 3. New lineages. Ids are allocated here, inside the write lock, above every id ever used.
  if (writes.creates.length > 0) {
    const row = await tx.get<{ next: number }>(
      `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'monitor_histories'), 0),
                  coalesce((SELECT max(history_id) FROM monitor_histories), 0)) + 1 AS next`,
    );
    let next = row?.next ?? 1;
    const histories: SqlValue[][] = [];
    const monitors: SqlValue[][] = [];
    const revisions: SqlValue[][] = [];
    const replacedBy: Array<[number, number]> = [];
    for (const create of writes.creates) {
      const historyId = next++;
      histories.push([historyId, create.spec.id, at]);
      monitors.push(monitorRow(historyId, create, 1, gitRevision, at, at));
      const action = create.replaces === null ? 'create' : 'replace';
      revisions.push([historyId, action, JSON.stringify(create.diff)]);
      if (create.replaces !== null) replacedBy.push([create.replaces, historyId]);
    }
    await insertRows(tx, 'monitor_histories', ['history_id', 'first_id', 'created_at'], histories);
    await insertRows(tx, 'monitors', MONITOR_INSERT_COLUMNS, monitors);
    await insertRevisions(tx, revisions);
    await updatePairs(tx, 'archived_monitors', 'history_id', 'replaced_by', replacedBy);
  }
}

/**
 * Logs the revision each listed lineage now has in `monitors` (rows: history id, action, diff).
 * The spec is copied inside SQLite rather than bound a second time: binding a 10,000-monitor
 * sync's specs costs more than writing them.
 */
async function insertRevisions(tx: WriteTx, rows: SqlValue[][]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    await tx.run(
      `INSERT INTO monitor_revisions (history_id, revision, monitor_id, action, spec, spec_hash, diff, git_revision, applied_at)
       SELECT m.history_id, m.revision, m.id, v.column2, m.spec, m.spec_hash, v.column3, m.git_revision, m.updated_at
       FROM (VALUES ${chunk.map(() => '(?, ?, ?)').join(',')}) AS v JOIN monitors m ON m.history_id = v.column1`,
      chunk.flat(),
    );
  }
}

/** A `monitors` row in MONITOR_INSERT_COLUMNS order. */
function monitorRow(
  historyId: number,
  write: { spec: MonitorSpec; specHash: string; secretHashes: unknown; secrets: unknown },
  revision: number,
  gitRevision: string | null,
  createdAt: number,
  updatedAt: number,
): SqlValue[] {
  return [
    historyId,
    write.spec.id,
    write.spec.name,
    JSON.stringify(write.spec),
    write.specHash,
    JSON.stringify(write.secretHashes),
    JSON.stringify(write.secrets),
    revision,
    gitRevision,
    createdAt,
    updatedAt,
  ];
}
