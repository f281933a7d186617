// The SQLite side of `vigil store copy` (../copy.ts): reads every table of ../copy-tables.ts in key
// order, a page at a time, while holding the file's write lock, so the rows read form one
// snapshot and no collector process can add to them until the copy ends. Before that, the WAL is
// checkpointed into the main file: a checkpoint that cannot finish means another connection
// (a running collector) is using the file, and the copy refuses.
import type { CopyTable, CopyValue } from '../copy-tables.ts';
import type { Store } from '../types.ts';
import type { SqlValue } from './connection.ts';
import { SqliteDatabase, type WriteTx } from './database.ts';
import { MIGRATIONS } from './migrations/index.ts';

/** The schema version this build migrates a file to. */
export const SQLITE_LATEST = MIGRATIONS.length;

export interface SqlitePage {
  rows: CopyValue[][];
  /** The key of the last row, where the next page starts (null when the page is empty). */
  last: CopyValue[] | null;
}

/** Reads of the snapshot the copy holds. */
export interface SqliteSnapshot {
  count(table: string): Promise<number>;
  page(table: CopyTable, after: CopyValue[] | null, limit: number): Promise<SqlitePage>;
  /** The starts of the UTC days (of length `dayMs`) that hold checks. */
  checkDays(dayMs: number): Promise<number[]>;
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The SQLite database behind a store opened by ../open.ts, or null for another engine. */
export function sqliteDatabaseOf(store: Store): SqliteDatabase | null {
  const db = (store as { db?: unknown }).db;
  return db instanceof SqliteDatabase ? db : null;
}

/** The schema version recorded in the file. */
export async function sqliteSchemaVersion(db: SqliteDatabase): Promise<number> {
  const row = await db.reader.get<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return Number(row?.v ?? 0);
}

/** Tables of the file and their columns (SQLite's own tables left out). */
export async function sqliteCatalog(db: SqliteDatabase): Promise<Map<string, string[]>> {
  const tables = await db.reader.all<{ name: string }>(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
  );
  const catalog = new Map<string, string[]>();
  for (const { name } of tables) {
    const columns = await db.reader.all<{ name: string }>(
      `SELECT name FROM pragma_table_info(${quoteText(name)})`,
    );
    catalog.set(
      name,
      columns.map((c) => c.name),
    );
  }
  return catalog;
}

const quoteText = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * Moves the WAL into the main file and empties it. `busy` is true when another connection holds a
 * read or write transaction on the file: a collector (or another tool) is using it.
 */
export async function checkpointWal(db: SqliteDatabase): Promise<{ busy: boolean }> {
  const row = await db.reader.get<{ busy: number; log: number; checkpointed: number }>(
    'PRAGMA wal_checkpoint(TRUNCATE)',
  );
  return { busy: row === undefined || row.busy !== 0 || row.log !== row.checkpointed };
}

/** Runs `work` holding the file's write lock (one IMMEDIATE transaction that writes nothing). */
export function withSnapshot<T>(
  db: SqliteDatabase,
  work: (snapshot: SqliteSnapshot) => Promise<T>,
): Promise<T> {
  return db.write((tx) => work(snapshotOf(tx)));
}

function snapshotOf(tx: WriteTx): SqliteSnapshot {
  return {
    async count(table) {
      const row = await tx.get<{ n: number }>(`SELECT count(*) AS n FROM ${ident(table)}`);
      return Number(row?.n ?? 0);
    },
    async page(table, after, limit) {
      const names = table.columns.map((c) => ident(c.name)).join(', ');
      const key = table.key.map(ident).join(', ');
      const where = after === null ? '' : `WHERE (${key}) > (${after.map(() => '?').join(', ')})`;
      const params: SqlValue[] = after === null ? [] : after.map(toSql);
      const raw = await tx.all<Record<string, unknown>>(
        `SELECT ${names} FROM ${ident(table.name)} ${where} ORDER BY ${key} LIMIT ?`,
        [...params, limit],
      );
      const rows = raw.map((row) =>
        table.columns.map(({ name, kind }) => {
          const value = row[name] as CopyValue | bigint | undefined;
          if (value === null || value === undefined) return null;
          if (kind === 'bool') return value !== 0;
          return typeof value === 'bigint' ? Number(value) : value;
        }),
      );
      const lastRow = raw.at(-1);
      const last = lastRow === undefined ? null : table.key.map((k) => lastRow[k] as CopyValue);
      return { rows, last };
    },
    async checkDays(dayMs) {
      const rows = await tx.all<{ day: number }>(
        `SELECT DISTINCT (started_at / ${Math.trunc(dayMs)}) * ${Math.trunc(dayMs)} AS day FROM checks ORDER BY day`,
      );
      return rows.map((r) => Number(r.day));
    },
  };
}

function toSql(value: CopyValue): SqlValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
