// Monitors in PostgreSQL: current rows, their revisions, archived lineages. A sync holds a
// transaction-scoped advisory lock from its read to its commit, so syncs serialize across
// collectors too (no lost update); all writes of one sync are set-based statements.
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
import { type Column, insertRows, jsonb, unnestSelect } from './bulk.ts';
import type { PgDatabase, PgReader, PgTx, SqlValue } from './database.ts';

export const MONITOR_COLUMNS: readonly Column[] = [
  ['history_id', 'bigint'],
  ['id', 'text'],
  ['name', 'text'],
  ['spec', 'jsonb'],
  ['spec_hash', 'text'],
  ['secret_hashes', 'jsonb'],
  ['secret_values', 'jsonb'],
  ['revision', 'integer'],
  ['git_revision', 'text'],
  ['created_at', 'bigint'],
  ['updated_at', 'bigint'],
];

const SELECT_COLUMNS =
  'history_id, id, name, spec, spec_hash, secret_hashes, revision, git_revision, created_at, updated_at';

export interface MonitorRow {
  history_id: number;
  id: string;
  name: string;
  spec: MonitorSpec;
  spec_hash: string;
  secret_hashes: Record<string, string>;
  revision: number;
  git_revision: string | null;
  created_at: number;
  updated_at: number;
}

/** Key of the advisory lock a sync holds (one per schema: the search_path scopes the tables). */
const SYNC_LOCK = "pg_advisory_xact_lock(hashtextextended('vigil:sync:' || current_schema(), 0))";

export function toRecord(row: MonitorRow): MonitorRecord {
  return {
    historyId: row.history_id,
    id: row.id,
    name: row.name,
    spec: row.spec,
    specHash: row.spec_hash,
    secretHashes: row.secret_hashes,
    revision: row.revision,
    gitRevision: row.git_revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function loadAll(conn: PgReader): Promise<MonitorRecord[]> {
  const rows = await conn.all<MonitorRow>(`SELECT ${SELECT_COLUMNS} FROM monitors ORDER BY id COLLATE "C"`);
  return rows.map(toRecord);
}

export class PgMonitorStore implements MonitorStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  list(): Promise<MonitorRecord[]> {
    return loadAll(this.#db.reader);
  }

  async get(id: string): Promise<MonitorRecord | undefined> {
    const row = await this.#db.reader.get<MonitorRow>(
      `SELECT ${SELECT_COLUMNS} FROM monitors WHERE id = $1`,
      [id],
    );
    return row === undefined ? undefined : toRecord(row);
  }

  async secrets(id: string): Promise<Secrets | undefined> {
    const row = await this.#db.reader.get<{ secret_values: Secrets }>(
      'SELECT secret_values FROM monitors WHERE id = $1',
      [id],
    );
    return row?.secret_values;
  }

  async revisions(id: string): Promise<MonitorRevisionRecord[]> {
    const rows = await this.#db.reader.all<{
      history_id: number;
      revision: number;
      monitor_id: string;
      action: RevisionAction;
      spec: MonitorSpec;
      spec_hash: string;
      diff: FieldDiff[];
      git_revision: string | null;
      applied_at: number;
    }>(
      `SELECT r.* FROM monitor_revisions r JOIN monitors m ON m.history_id = r.history_id
       WHERE m.id = $1 ORDER BY r.revision`,
      [id],
    );
    return rows.map((row) => ({
      historyId: row.history_id,
      revision: row.revision,
      monitorId: row.monitor_id,
      action: row.action,
      spec: row.spec,
      specHash: row.spec_hash,
      diff: row.diff,
      gitRevision: row.git_revision,
      appliedAt: row.applied_at,
    }));
  }

  async archived(id: string): Promise<ArchivedMonitorRecord[]> {
    const rows = await this.#db.reader.all<
      Omit<MonitorRow, 'secret_hashes' | 'git_revision'> & {
        archived_at: number;
        reason: 'delete' | 'replace';
        replaced_by: number | null;
      }
    >('SELECT * FROM archived_monitors WHERE id = $1 ORDER BY archived_at, history_id', [id]);
    return rows.map((row) => ({
      historyId: row.history_id,
      id: row.id,
      name: row.name,
      spec: row.spec,
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
      await tx.run(`SELECT ${SYNC_LOCK}`);
      const current = await loadAll(tx);
      const { result, writes } = decide(current);
      if (writes !== null) await applyWrites(tx, current, writes);
      return result;
    });
  }
}

async function applyWrites(tx: PgTx, current: MonitorRecord[], writes: MonitorWrites): Promise<void> {
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
    await tx.run(
      `INSERT INTO monitor_revisions (history_id, revision, monitor_id, action, spec, spec_hash, diff, git_revision, applied_at)
       SELECT history_id, revision + 1, id, $2, spec, spec_hash, '[]', $3, $4
       FROM monitors WHERE history_id = ANY($1::bigint[])`,
      [ids, reason, gitRevision, at],
    );
    await tx.run(
      `INSERT INTO archived_monitors (history_id, id, name, spec, spec_hash, revision, created_at, updated_at, archived_at, reason, git_revision)
       SELECT history_id, id, name, spec, spec_hash, revision + 1, created_at, updated_at, $2, $3, $4
       FROM monitors WHERE history_id = ANY($1::bigint[])`,
      [ids, at, reason, gitRevision],
    );
    await tx.run('DELETE FROM monitors WHERE history_id = ANY($1::bigint[])', [ids]);
  }

  // 2. New revisions of living lineages (update, rename).
  if (writes.updates.length > 0) {
    const rows: SqlValue[][] = [];
    const revisions: SqlValue[][] = [];
    for (const update of writes.updates) {
      const before = lineage(update.historyId);
      rows.push(monitorRow(update.historyId, update, before.revision + 1, gitRevision, before.createdAt, at));
      revisions.push([update.historyId, update.action, jsonb(update.diff)]);
    }
    await insertRows(
      tx,
      'monitors',
      MONITOR_COLUMNS,
      rows,
      `ON CONFLICT (history_id) DO UPDATE SET id = excluded.id, name = excluded.name, spec = excluded.spec,
         spec_hash = excluded.spec_hash, secret_hashes = excluded.secret_hashes,
         secret_values = excluded.secret_values, revision = excluded.revision,
         git_revision = excluded.git_revision, updated_at = excluded.updated_at`,
    );
    await insertRevisions(tx, revisions);
  }

  // 3. New lineages: ids from the identity's sequence, never handed out twice.
  if (writes.creates.length > 0) {
    const allocated = await tx.all<{ id: number }>(
      `SELECT nextval(pg_get_serial_sequence('monitor_histories', 'history_id')) AS id
       FROM generate_series(1, $1)`,
      [writes.creates.length],
    );
    const histories: SqlValue[][] = [];
    const monitors: SqlValue[][] = [];
    const revisions: SqlValue[][] = [];
    const replacedBy: number[][] = [[], []];
    writes.creates.forEach((create, i) => {
      const historyId = allocated[i]!.id;
      histories.push([historyId, create.spec.id, at]);
      monitors.push(monitorRow(historyId, create, 1, gitRevision, at, at));
      revisions.push([historyId, create.replaces === null ? 'create' : 'replace', jsonb(create.diff)]);
      if (create.replaces !== null) {
        replacedBy[0]!.push(create.replaces);
        replacedBy[1]!.push(historyId);
      }
    });
    await insertRows(
      tx,
      'monitor_histories',
      [
        ['history_id', 'bigint'],
        ['first_id', 'text'],
        ['created_at', 'bigint'],
      ],
      histories,
    );
    await insertRows(tx, 'monitors', MONITOR_COLUMNS, monitors);
    await insertRevisions(tx, revisions);
    if (replacedBy[0]!.length > 0) {
      await tx.run(
        `UPDATE archived_monitors a SET replaced_by = v.replaced_by
         FROM unnest($1::bigint[], $2::bigint[]) AS v(history_id, replaced_by) WHERE a.history_id = v.history_id`,
        replacedBy,
      );
    }
  }
}

/** Logs the revision each listed lineage now has in `monitors` (rows: history id, action, diff). */
async function insertRevisions(tx: PgTx, rows: SqlValue[][]): Promise<void> {
  const columns: Column[] = [
    ['history_id', 'bigint'],
    ['action', 'text'],
    ['diff', 'jsonb'],
  ];
  await tx.run(
    `INSERT INTO monitor_revisions (history_id, revision, monitor_id, action, spec, spec_hash, diff, git_revision, applied_at)
     SELECT m.history_id, m.revision, m.id, v.action, m.spec, m.spec_hash, v.diff, m.git_revision, m.updated_at
     FROM (${unnestSelect(columns)}) AS v JOIN monitors m ON m.history_id = v.history_id`,
    [rows.map((r) => r[0]!), rows.map((r) => r[1]!), rows.map((r) => r[2]!)] as SqlValue[],
  );
}

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
    jsonb(write.spec),
    write.specHash,
    jsonb(write.secretHashes),
    jsonb(write.secrets),
    revision,
    gitRevision,
    createdAt,
    updatedAt,
  ];
}
