// `vigil store copy`: moves an embedded installation (the SQLite file) into a PostgreSQL schema
// with everything it holds: monitors and their lineages, history, rollups, incidents, the outbox,
// runner sessions and settings (README "Moving to PostgreSQL").
//
// How: both stores are opened through ./open.ts (which migrates them to this build's version) and
// must then be at this build's latest version, holding no table or column ./copy-tables.ts does
// not map (or list as not copied).
// The source's WAL is checkpointed (a checkpoint that cannot finish means a collector is using the
// file) and its write lock is held for the whole copy, so the copy reads one snapshot. The target
// gets the day partitions of the copied checks first, then ONE transaction: the emptiness check
// (or, with `replace`, the TRUNCATE), every table in pages of `batchSize` rows with the source's
// ids, sequences moved past them, and a count of every table on both sides before COMMIT. One
// transaction rather than one per table: a copy that fails or does not verify leaves the target
// exactly as it was (an empty target can be copied into again, a replaced one keeps its rows),
// and a collector started on the target never sees half an installation. Its cost is a long
// transaction, which is fine while no collector uses the target.
//
// Only SQLite to PostgreSQL: the reverse would need the SQLite triggers that derive rollups and
// first results from checks held off while copying, and is refused.
import { stat } from 'node:fs/promises';
import { CodedError } from '../../common/errors.ts';
import { DAY_MS } from '../rollups/uptime.ts';
import { COPY_TABLES, type CopyTable, NOT_COPIED, NOT_COPIED_COLUMNS } from './copy-tables.ts';
import { openStore } from './open.ts';
import { redactUrl } from './postgres/failures.ts';
import {
  importInto,
  makeCheckDays,
  PG_LATEST,
  pgCatalog,
  pgCounts,
  pgDatabaseOf,
  pgSchemaVersion,
} from './postgres/import.ts';
import { isPostgresUrl } from './postgres/index.ts';
import {
  checkpointWal,
  SQLITE_LATEST,
  sqliteCatalog,
  sqliteDatabaseOf,
  sqliteSchemaVersion,
  withSnapshot,
} from './sqlite/export.ts';
import type { Store } from './types.ts';

export type CopyErrorCode =
  | 'VIGIL_ERR_COPY_DIRECTION'
  | 'VIGIL_ERR_COPY_SOURCE_MISSING'
  | 'VIGIL_ERR_COPY_SOURCE_BUSY'
  | 'VIGIL_ERR_COPY_TARGET_BUSY'
  | 'VIGIL_ERR_COPY_SCHEMA'
  | 'VIGIL_ERR_COPY_TARGET_NOT_EMPTY'
  | 'VIGIL_ERR_COPY_MISMATCH';

/** Rows per table on both sides (source counted in its snapshot, target before COMMIT). */
export interface TableCount {
  table: string;
  source: number;
  target: number;
}

export class CopyError extends CodedError<CopyErrorCode> {
  override name = 'CopyError';
  /** The counts, when the refusal is about them (a non-empty target, a mismatch). */
  readonly tables: TableCount[];

  constructor(code: CopyErrorCode, message: string, tables: TableCount[] = []) {
    super(code, message);
    this.tables = tables;
  }
}

export interface CopyOptions {
  /** The SQLite file. */
  from: string;
  /** `postgres://…[?schema=name]`. */
  to: string;
  /** Empty the target's tables first (in the copy's transaction) instead of refusing them. */
  replace?: boolean;
  /** Rows per INSERT statement (default 5,000). */
  batchSize?: number;
  /** Called after each table is copied. */
  onTable?: (table: string, rows: number) => void;
  now?: () => number;
}

export interface CopyReport {
  from: string;
  /** The target URL without its password. */
  to: string;
  tables: TableCount[];
  /** Rows copied. */
  rows: number;
  /** Rows deleted from the target by `replace`. */
  replaced: number;
  ms: number;
}

export const DEFAULT_BATCH = 5000;

/** Counts that differ between source and target. */
export function mismatches(tables: readonly TableCount[]): TableCount[] {
  return tables.filter((t) => t.source !== t.target);
}

/** Display form of a location: a URL without its password, a path as given. */
export function displayLocation(location: string): string {
  return isPostgresUrl(location) ? redactUrl(location) : location;
}

/** Copies the SQLite store at `from` into the PostgreSQL schema at `to`, verified. */
export async function copyStore(options: CopyOptions): Promise<CopyReport> {
  const started = performance.now();
  if (isPostgresUrl(options.from) || !isPostgresUrl(options.to)) {
    throw new CopyError(
      'VIGIL_ERR_COPY_DIRECTION',
      isPostgresUrl(options.from)
        ? 'copying out of PostgreSQL is not supported: --from must be a SQLite file (vigil.db) and --to a postgres:// URL'
        : '--to must be a postgres:// (or postgresql://) URL: the copy moves a SQLite file into PostgreSQL',
    );
  }
  const found = await stat(options.from).catch(() => null);
  if (found === null || !found.isFile()) {
    throw new CopyError('VIGIL_ERR_COPY_SOURCE_MISSING', `no SQLite file at ${options.from}`);
  }
  const now = options.now === undefined ? {} : { now: options.now };
  const batch = Math.max(1, Math.trunc(options.batchSize ?? DEFAULT_BATCH));
  const source = await openStore({ location: options.from, ...now });
  let target: Store | undefined;
  try {
    target = await openStore({ location: options.to, ...now });
    const src = sqliteDatabaseOf(source);
    const dst = pgDatabaseOf(target);
    if (src === null || dst === null) throw new Error('store copy: unexpected store engines');
    await checkSchemas(
      { version: await sqliteSchemaVersion(src), catalog: await sqliteCatalog(src) },
      { version: await pgSchemaVersion(dst), catalog: await pgCatalog(dst) },
    );
    // A live collector announces itself by heartbeat (ARCHITECTURE.md "Cluster"): on the source it
    // would keep writing what the copy leaves behind; on the target it would see half a copy.
    const at = options.now?.() ?? Date.now();
    for (const [side, store, where] of [
      ['source', source, options.from],
      ['target', target, displayLocation(options.to)],
    ] as const) {
      const live = await store.cluster.members(at);
      if (live.length > 0) {
        throw new CopyError(
          side === 'source' ? 'VIGIL_ERR_COPY_SOURCE_BUSY' : 'VIGIL_ERR_COPY_TARGET_BUSY',
          `a collector is running on the ${side} ${where} (${live.map((m) => m.url).join(', ')}): stop it first`,
        );
      }
    }
    if ((await checkpointWal(src)).busy) {
      throw new CopyError(
        'VIGIL_ERR_COPY_SOURCE_BUSY',
        `${options.from} is in use by another process (its WAL could not be checkpointed): stop the collector first`,
      );
    }
    const filled = [...(await pgCounts(dst, COPY_TABLES))].filter(
      ([table, n]) => n > 0 && !isCounters(table),
    );
    if (filled.length > 0 && options.replace !== true) throw notEmpty(filled);

    const report = await withSnapshot(src, async (snapshot) => {
      const sourceCounts = new Map<string, number>();
      for (const table of COPY_TABLES) sourceCounts.set(table.name, await snapshot.count(table.name));
      await makeCheckDays(dst, await snapshot.checkDays(DAY_MS));
      return importInto(dst, async (into) => {
        let replaced = 0;
        const before = [...(await into.counts(COPY_TABLES))].filter(([t, n]) => n > 0 && !isCounters(t));
        if (before.length > 0 && options.replace !== true) throw notEmpty(before);
        if (options.replace === true) {
          replaced = before.reduce((sum, [, n]) => sum + n, 0);
          await into.truncate(COPY_TABLES.filter((t) => t.counters !== true));
        }
        let rows = 0;
        for (const table of COPY_TABLES) {
          let after = null;
          let copied = 0;
          for (;;) {
            const page = await snapshot.page(table, after, batch);
            if (page.rows.length === 0) break;
            await into.insert(table, page.rows);
            copied += page.rows.length;
            after = page.last;
            if (page.rows.length < batch) break;
          }
          rows += copied;
          options.onTable?.(table.name, copied);
        }
        await into.resetSequences(COPY_TABLES);
        const targetCounts = await into.counts(COPY_TABLES);
        const tables = COPY_TABLES.map((t) => ({
          table: t.name,
          source: sourceCounts.get(t.name) ?? 0,
          target: targetCounts.get(t.name) ?? 0,
        }));
        const wrong = mismatches(tables);
        if (wrong.length > 0) {
          // Thrown inside the transaction: it rolls back, the target stays as it was.
          throw new CopyError(
            'VIGIL_ERR_COPY_MISMATCH',
            `the copy did not verify (${wrong.map((t) => `${t.table}: ${t.source} in the source, ${t.target} in the target`).join('; ')}); nothing was committed`,
            tables,
          );
        }
        return { tables, rows, replaced };
      });
    });
    return {
      from: options.from,
      to: displayLocation(options.to),
      ...report,
      ms: performance.now() - started,
    };
  } finally {
    await target?.close().catch(() => undefined);
    await source.close().catch(() => undefined);
  }
}

interface SideSchema {
  version: number;
  catalog: Map<string, string[]>;
}

/**
 * What a catalog holds that the copy does not map ("table", "table.column"), and mapped columns it
 * lacks ("table.column (missing)").
 */
export function uncovered(catalog: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const [table, columns] of catalog) {
    if (NOT_COPIED[table] !== undefined) continue;
    const mapped = COPY_TABLES.find((t) => t.name === table);
    if (mapped === undefined) {
      out.push(table);
      continue;
    }
    const known = new Set(mapped.columns.map((c) => c.name));
    for (const column of columns) {
      if (!known.has(column) && NOT_COPIED_COLUMNS[`${table}.${column}`] === undefined)
        out.push(`${table}.${column}`);
    }
    for (const column of known) if (!columns.includes(column)) out.push(`${table}.${column} (missing)`);
  }
  for (const table of COPY_TABLES) if (!catalog.has(table.name)) out.push(`${table.name} (missing)`);
  return out;
}

async function checkSchemas(source: SideSchema, target: SideSchema): Promise<void> {
  const sides = [
    ['SQLite file', source, SQLITE_LATEST],
    ['PostgreSQL schema', target, PG_LATEST],
  ] as const;
  for (const [what, side, expected] of sides) {
    if (side.version !== expected) {
      throw new CopyError(
        'VIGIL_ERR_COPY_SCHEMA',
        `the ${what} is at schema version ${side.version}; this build knows version ${expected}`,
      );
    }
    const missing = uncovered(side.catalog);
    if (missing.length > 0) {
      throw new CopyError(
        'VIGIL_ERR_COPY_SCHEMA',
        `the ${what} does not match what this build copies: ${missing.join(', ')}`,
      );
    }
  }
}

const isCounters = (table: string): boolean =>
  COPY_TABLES.some((t: CopyTable) => t.name === table && t.counters === true);

function notEmpty(filled: Array<[string, number]>): CopyError {
  return new CopyError(
    'VIGIL_ERR_COPY_TARGET_NOT_EMPTY',
    `the target already holds rows (${filled.map(([t, n]) => `${t} ${n}`).join(', ')}); ` +
      'pass --replace to delete them and copy, or point --to at an empty schema (?schema=name)',
    filled.map(([table, n]) => ({ table, source: 0, target: n })),
  );
}
