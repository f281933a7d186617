// The API over a store whose storage fails, in process on a real SQLite file: a write refused for
// SQLITE_FULL (max_page_count) is a 503 VIGIL_ERR_STORAGE_FULL naming the file, /readyz says
// storage_full until a write succeeds, a read failing with an I/O error is a 503
// VIGIL_ERR_STORAGE_IO (never a 500), and /metrics carries the write buffer's figures.
import { afterEach, describe, expect, it } from 'vitest';
import { storageErrorOf } from '../../collector/store/sqlite/failures.ts';
import type { SqliteStore } from '../../collector/store/sqlite/index.ts';
import { type Built, build } from '../collector/build.ts';
import { doc } from '../collector/fixtures.ts';

let b: Built;
afterEach(() => b.destroy());

const CONFIG = { embeddedRunner: false, retentionIntervalMs: 0 };

async function setFull(store: SqliteStore, full: boolean): Promise<void> {
  await store.db.write(async (tx) => {
    const row = await tx.get<{ page_count: number }>('PRAGMA page_count');
    await tx.exec(`PRAGMA max_page_count = ${full ? row!.page_count : 1_000_000}`);
  });
}

const monitors = Array.from({ length: 40 }, (_, i) => doc(`m${i}`, { name: `Monitor number ${i}` }));

describe('storage failures through the API', () => {
  it('a full store: sync 503 VIGIL_ERR_STORAGE_FULL, readyz 503 storage_full, both back once writes pass', async () => {
    b = await build({ config: CONFIG });
    const store = b.app.vigil.store as SqliteStore;
    await setFull(store, true);
    const refused = await b.sync({ monitors });
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ code: 'VIGIL_ERR_STORAGE_FULL', statusCode: 503 });
    expect(refused.json().message).toContain(b.config.db);
    expect(refused.headers['retry-after']).toBe('10');

    const ready = await b.get('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      status: 'not_ready',
      store: 'not_writable',
      reason: 'storage_full',
      code: 'VIGIL_ERR_STORAGE_FULL',
    });
    expect(ready.json().detail).toContain(b.config.db);
    expect((await b.get('/healthz')).statusCode).toBe(200);

    await setFull(store, false);
    expect((await b.get('/readyz')).statusCode).toBe(200);
    expect((await b.sync({ monitors })).statusCode).toBe(200);
  });

  it('a read failing with an I/O error is a 503 with its code, not a 500', async () => {
    b = await build({ config: CONFIG });
    expect((await b.sync({ monitors: monitors.slice(0, 1) })).statusCode).toBe(200);
    const store = b.app.vigil.store as SqliteStore;
    const reader = store.db.reader as { all: unknown };
    // What node:sqlite throws for SQLITE_IOERR_READ (522), classified as the connection does.
    reader.all = () =>
      Promise.reject(
        storageErrorOf({ errcode: 522, errstr: 'disk I/O error', code: 'ERR_SQLITE_ERROR' }, b.config.db),
      );
    const read = await b.get('/v1/monitors/m0/checks');
    expect(read.statusCode).toBe(503);
    expect(read.json()).toMatchObject({ code: 'VIGIL_ERR_STORAGE_IO', statusCode: 503 });
    expect(read.json().message).toContain(b.config.db);
  });

  it('/metrics carries the write buffer figures', async () => {
    b = await build({ config: CONFIG });
    const text = (await b.get('/metrics')).body;
    expect(text).toContain('# TYPE vigil_check_rows_dropped_total counter');
    for (const reason of ['buffer_full', 'shutdown', 'spill_unreadable']) {
      expect(text).toContain(`vigil_check_rows_dropped_total{reason="${reason}"} 0`);
    }
    expect(text).toMatch(/^vigil_write_buffer_rows \d+$/m);
    expect(text).toMatch(/^vigil_flush_consecutive_failures 0$/m);
  });
});
