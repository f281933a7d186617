// Every table and column of both engines' latest schemas is either copied by `vigil store copy`
// or listed as not copied with a reason: a migration that adds one fails here until
// collector/store/copy-tables.ts maps it. Also the verification's comparison, pure.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCounts } from '../../cli/commands/store-report.ts';
import { mismatches, uncovered } from '../../collector/store/copy.ts';
import { COPY_TABLES, NOT_COPIED } from '../../collector/store/copy-tables.ts';
import { openStore } from '../../collector/store/open.ts';
import { pgCatalog, pgDatabaseOf } from '../../collector/store/postgres/import.ts';
import { sqliteCatalog, sqliteDatabaseOf } from '../../collector/store/sqlite/export.ts';
import { dropSchema, freshSchema, requirePostgres, schemaUrl } from './postgres-support.ts';

describe('store copy coverage', () => {
  it('maps every table and column of the latest SQLite schema', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-copy-cov-'));
    const store = await openStore({ location: join(dir, 'vigil.db') });
    try {
      const catalog = await sqliteCatalog(sqliteDatabaseOf(store)!);
      expect(uncovered(catalog)).toEqual([]);
      expect([...catalog.keys()].sort()).toEqual(
        [...COPY_TABLES.map((t) => t.name), ...Object.keys(NOT_COPIED)].filter((t) => catalog.has(t)).sort(),
      );
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a table or column it does not map, and a mapped column a catalog lacks', () => {
    const catalog = new Map(COPY_TABLES.map((t) => [t.name, t.columns.map((c) => c.name)]));
    expect(uncovered(catalog)).toEqual([]);
    catalog.set('job_ids', ['job_id']);
    catalog.set('checks', [...catalog.get('checks')!.filter((c) => c !== 'late'), 'attempt']);
    expect(uncovered(catalog)).toEqual(['checks.attempt', 'checks.late (missing)', 'job_ids']);
  });

  it('finds counts that differ and marks them in the table', () => {
    const tables = [
      { table: 'checks', source: 100_000, target: 100_000 },
      { table: 'outbox', source: 4, target: 3 },
    ];
    expect(mismatches(tables)).toEqual([{ table: 'outbox', source: 4, target: 3 }]);
    expect(renderCounts(tables)).toBe(
      'table    source   target\nchecks  100,000  100,000  ok\noutbox        4        3  MISMATCH\n',
    );
  });
});

if (await requirePostgres('store copy coverage (PostgreSQL)')) {
  describe('store copy coverage (PostgreSQL)', () => {
    it('maps every table and column of the latest PostgreSQL schema', async () => {
      const schema = freshSchema();
      const store = await openStore({ location: schemaUrl(schema) });
      try {
        const catalog = await pgCatalog(pgDatabaseOf(store)!);
        expect(uncovered(catalog)).toEqual([]);
      } finally {
        await store.close();
        await dropSchema(schema);
      }
    });
  });
}
