// The PostgreSQL side of `vigil store copy` (../copy.ts): counts, the check partitions the copied
// days need (made by ./partitions.ts before the copy's transaction, as a flush makes its day), and
// one write transaction that empties the target when told, inserts every table page by page
// (one UNNEST statement per page, ids as the source had them, identity columns overridden), moves
// each sequence past the largest copied id, and counts again before COMMIT, so a copy that does
// not verify leaves nothing behind.
import type { CopyTable, CopyValue } from '../copy-tables.ts';
import type { Store } from '../types.ts';
import { byColumn, type Column, cleanNullable, jsonb, unnestSelect } from './bulk.ts';
import { PgDatabase, type PgReader, type PgTx, quoteIdent, type SqlValue } from './database.ts';
import { PG_MIGRATIONS } from './migrate.ts';
import { CheckPartitions } from './partitions.ts';

/** The schema version this build migrates a schema to. */
export const PG_LATEST = PG_MIGRATIONS.length;

const PG_TYPES = { int: 'int8', real: 'float8', text: 'text', bool: 'bool', json: 'jsonb' } as const;

/** What the copy does inside the target's transaction. */
export interface PgImport {
  /** Rows per table, read in the transaction. */
  counts(tables: readonly CopyTable[]): Promise<Map<string, number>>;
  /** Deletes every row of these tables and restarts their identities. */
  truncate(tables: readonly CopyTable[]): Promise<void>;
  /** Inserts one page of rows as the source had them; counters merge (each value above both). */
  insert(table: CopyTable, rows: readonly CopyValue[][]): Promise<void>;
  /** Moves each table's sequence past its largest id. */
  resetSequences(tables: readonly CopyTable[]): Promise<void>;
}

/** The PostgreSQL database behind a store opened by ../open.ts, or null for another engine. */
export function pgDatabaseOf(store: Store): PgDatabase | null {
  const db = (store as { db?: unknown }).db;
  return db instanceof PgDatabase ? db : null;
}

export async function pgSchemaVersion(db: PgDatabase): Promise<number> {
  const row = await db.reader.get<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return Number(row?.v ?? 0);
}

/** Tables of the store's schema (partitions left out: they are `checks`) and their columns. */
export async function pgCatalog(db: PgDatabase): Promise<Map<string, string[]>> {
  const rows = await db.reader.all<{ table: string; column: string }>(
    `SELECT c.relname AS table, a.attname AS column
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
     ORDER BY c.relname, a.attnum`,
    [db.schema],
  );
  const catalog = new Map<string, string[]>();
  for (const { table, column } of rows) catalog.set(table, [...(catalog.get(table) ?? []), column]);
  return catalog;
}

export function pgCounts(db: PgDatabase, tables: readonly CopyTable[]): Promise<Map<string, number>> {
  return countsOn(db.reader, tables);
}

/** Makes the check partitions of these days, committed before the copy starts. */
export async function makeCheckDays(db: PgDatabase, days: readonly number[]): Promise<void> {
  await new CheckPartitions(db).ensure(days);
}

/** Runs `work` in one write transaction of the target. */
export function importInto<T>(db: PgDatabase, work: (target: PgImport) => Promise<T>): Promise<T> {
  return db.write((tx) => work(importOf(tx, db.schema)));
}

async function countsOn(reader: PgReader, tables: readonly CopyTable[]): Promise<Map<string, number>> {
  if (tables.length === 0) return new Map();
  const rows = await reader.all<{ name: string; n: number }>(
    tables
      .map((t) => `SELECT ${quoteLiteral(t.name)} AS name, count(*) AS n FROM ${quoteIdent(t.name)}`)
      .join(' UNION ALL '),
  );
  return new Map(rows.map((r) => [r.name, Number(r.n)]));
}

function importOf(tx: PgTx, schema: string): PgImport {
  return {
    counts: (tables) => countsOn(tx, tables),
    async truncate(tables) {
      if (tables.length === 0) return;
      await tx.run(`TRUNCATE ${tables.map((t) => quoteIdent(t.name)).join(', ')} RESTART IDENTITY`);
    },
    async insert(table, rows) {
      if (rows.length === 0) return;
      const columns: Column[] = table.columns.map((c) => [quoteIdent(c.name), PG_TYPES[c.kind]]);
      const values = rows.map((row) => row.map((cell, i) => pgValue(table.columns[i]!.kind, cell)));
      const target = quoteIdent(table.name);
      const names = columns.map(([name]) => name).join(', ');
      // OVERRIDING SYSTEM VALUE: identity columns take the source's ids (outbox and event order).
      let suffix = '';
      if (table.counters === true) {
        const [key] = table.key as [string];
        const rest = table.columns.filter((c) => c.name !== key).map((c) => quoteIdent(c.name));
        suffix = `ON CONFLICT (${quoteIdent(key)}) DO UPDATE SET ${rest
          .map((c) => `${c} = GREATEST(${target}.${c}, excluded.${c}) + 1`)
          .join(', ')}`;
      }
      await tx.run(
        `INSERT INTO ${target} (${names}) OVERRIDING SYSTEM VALUE ${unnestSelect(columns)} ${suffix}`,
        byColumn(values, columns.length),
      );
    },
    async resetSequences(tables) {
      for (const table of tables) {
        if (table.sequence === undefined) continue;
        const qualified = `${quoteIdent(schema)}.${quoteIdent(table.name)}`;
        await tx.run(
          `SELECT setval(pg_get_serial_sequence($1, $2), m) FROM (SELECT max(${quoteIdent(table.sequence)}) AS m FROM ${quoteIdent(table.name)}) x
           WHERE m IS NOT NULL`,
          [qualified, table.sequence],
        );
      }
    },
  };
}

const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** A cell as PostgreSQL takes it: text without NUL and lone surrogates (refused there), JSON too. */
function pgValue(kind: keyof typeof PG_TYPES, cell: CopyValue): SqlValue {
  if (cell === null) return null;
  if (kind === 'text') return cleanNullable(String(cell));
  // Only JSON text holding those escapes is parsed and written again (rare).
  if (kind === 'json')
    return /\\u0000|\\ud[89a-f]/i.test(String(cell)) ? jsonb(JSON.parse(String(cell))) : cell;
  return cell;
}
