// Statements over many rows: a batch is bound as one array per column and expanded by UNNEST,
// so one statement serves any number of rows with a fixed number of parameters (the SQLite store
// needs chunks of 500 rows; PostgreSQL plans the same text once per connection whatever the count).
import type { PgTx, SqlValue } from './database.ts';

/** A column and its PostgreSQL type, as UNNEST binds it. */
export type Column = readonly [name: string, type: string];

/** `SELECT * FROM unnest($k::type[], ...) AS v(names)`, parameters from `$first`. */
export function unnestSelect(columns: readonly Column[], first = 1): string {
  const arrays = columns.map(([, type], i) => `$${first + i}::${type}[]`).join(', ');
  return `SELECT * FROM unnest(${arrays}) AS v(${columns.map(([name]) => name).join(', ')})`;
}

/** Rows as one array per column (the parameters of unnestSelect). */
export function byColumn(rows: readonly (readonly SqlValue[])[], width: number): SqlValue[][] {
  const columns: SqlValue[][] = Array.from({ length: width }, () => []);
  for (const row of rows) for (let i = 0; i < width; i++) columns[i]!.push(row[i] ?? null);
  return columns;
}

/** INSERT of many rows in one statement; `suffix` follows (e.g. an ON CONFLICT clause). */
export async function insertRows(
  tx: PgTx,
  table: string,
  columns: readonly Column[],
  rows: readonly (readonly SqlValue[])[],
  suffix = '',
): Promise<number> {
  if (rows.length === 0) return 0;
  return tx.run(
    `INSERT INTO ${table} (${columns.map(([name]) => name).join(', ')}) ${unnestSelect(columns)} ${suffix}`,
    byColumn(rows, columns.length),
  );
}

/** The last row of each key, in first-seen order: an upsert may touch a row once per statement. */
export function lastByKey<T>(rows: readonly T[], key: (row: T) => unknown): T[] {
  const out = new Map<unknown, T>();
  for (const row of rows) {
    const k = key(row);
    out.delete(k);
    out.set(k, row);
  }
  return [...out.values()];
}

/**
 * JSON text for a JSONB column. PostgreSQL refuses what JSON.stringify writes for U+0000 and for
 * unpaired surrogates (SQLite keeps them): both become U+FFFD, so a response body with a NUL byte
 * is stored rather than refused.
 */
export function jsonb(value: unknown): string {
  const text = JSON.stringify(value);
  // The escapes JSON.stringify writes for those; rare, so the slower pass runs only then.
  if (!/\\u0000|\\ud[89a-f]/i.test(text)) return text;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? cleanText(v) : v));
}

/** Text for a TEXT column: no NUL (PostgreSQL refuses it), well-formed UTF-16. */
export function cleanText(text: string): string {
  return text.toWellFormed().replaceAll('\u0000', '\ufffd');
}

/** cleanText for a nullable column. */
export const cleanNullable = (text: string | null): string | null => (text === null ? null : cleanText(text));
