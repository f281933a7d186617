// Versioned migrations, run at start. Each migration runs in its own transaction and records its
// version in `schema_migrations`, so a crash mid-way leaves the file at the last whole version.
// Later features append migrations to the list in ./migrations/index.ts; versions only grow.
import { CodedError } from '../../../common/errors.ts';
import type { SqliteDatabase, WriteTx } from './database.ts';

export interface Migration {
  /** 1, 2, 3...: contiguous, never reused, never edited once released. */
  version: number;
  name: string;
  up: string | ((tx: WriteTx) => Promise<void>);
}

export class MigrationError extends CodedError<'VIGIL_ERR_DB_TOO_NEW' | 'VIGIL_ERR_MIGRATIONS_INVALID'> {
  override name = 'MigrationError';
}

/** Throws unless versions are 1..n in order with unique names. */
export function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new MigrationError(
        'VIGIL_ERR_MIGRATIONS_INVALID',
        `migration #${index} "${migration.name}" has version ${migration.version}, expected ${index + 1}`,
      );
    }
  });
}

/** Applies pending migrations; returns the versions applied now. */
export async function migrate(
  db: SqliteDatabase,
  migrations: readonly Migration[],
  now: () => number,
): Promise<number[]> {
  checkMigrationList(migrations);
  await db.write((tx) =>
    tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`),
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    // Re-read the version inside each transaction: another process may be migrating the same file.
    const done = await db.write(async (tx) => {
      const row = await tx.get<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
      const current = row?.v ?? 0;
      if (current > migrations.length) {
        throw new MigrationError(
          'VIGIL_ERR_DB_TOO_NEW',
          `database schema version ${current} is newer than this Vigil knows (${migrations.length}); upgrade Vigil`,
        );
      }
      if (current >= migration.version) return false;
      if (typeof migration.up === 'string') await tx.exec(migration.up);
      else await migration.up(tx);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        now(),
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  if (migrations.length === 0) {
    const row = await db.reader.get<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    if ((row?.v ?? 0) > 0) {
      throw new MigrationError('VIGIL_ERR_DB_TOO_NEW', 'database schema is newer than this Vigil knows');
    }
  }
  return applied;
}
