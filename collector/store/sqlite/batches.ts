// Statements over many keys, ROWS_PER_STATEMENT keys per statement: one call serves any number of
// keys while each statement stays far below SQLite's limit on bound parameters.
import type { SqlValue } from './connection.ts';
import { type ReadConn, ROWS_PER_STATEMENT, type WriteTx } from './database.ts';

/** The keys in slices of ROWS_PER_STATEMENT, in order. */
function* chunks<K>(keys: readonly K[]): Generator<K[]> {
  for (let start = 0; start < keys.length; start += ROWS_PER_STATEMENT) {
    yield keys.slice(start, start + ROWS_PER_STATEMENT);
  }
}

/** `?,?,?` for `n` values. */
export const marks = (n: number): string => Array(n).fill('?').join(',');

/**
 * Reads `sql` over `keys` in chunks: `?*` in the SQL becomes one placeholder per key of the chunk
 * (as in `WHERE id IN (?*)`); `after` binds the `?` placeholders written after it. Rows come
 * chunk after chunk, each chunk in the statement's order.
 */
export async function allForKeys<R>(
  conn: ReadConn | WriteTx,
  sql: string,
  keys: readonly SqlValue[],
  after: readonly SqlValue[] = [],
): Promise<R[]> {
  const rows: R[] = [];
  for (const chunk of chunks(keys)) {
    rows.push(...(await conn.all<R>(sql.replace('?*', marks(chunk.length)), [...chunk, ...after])));
  }
  return rows;
}

/** Sets `column` of the `table` rows whose `key` matches, from (key, value) pairs. */
export async function updatePairs(
  tx: WriteTx,
  table: string,
  key: string,
  column: string,
  pairs: readonly (readonly [SqlValue, SqlValue])[],
): Promise<void> {
  for (const chunk of chunks(pairs)) {
    await tx.run(
      `UPDATE ${table} SET ${column} = v.column2
       FROM (VALUES ${chunk.map(() => '(?, ?)').join(',')}) AS v
       WHERE ${table}.${key} = v.column1`,
      chunk.flat(),
    );
  }
}
