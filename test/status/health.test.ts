// GET /healthz (the process answers) and GET /readyz (store reachable, migrations done).
import { afterEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../collector/store/sqlite/index.ts';
import { type Built, build } from '../collector/build.ts';

let b: Built;
afterEach(() => b.destroy());

describe('health', () => {
  it('healthz and readyz answer when all is well', async () => {
    b = await build({ config: { embeddedRunner: false, retentionIntervalMs: 0 } });
    expect((await b.get('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await b.get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', store: 'ok' });
    expect(ready.json().schemaVersion).toBe(ready.json().expectedSchemaVersion);
  });

  it('readyz is 503 when the schema is not the one this build knows', async () => {
    b = await build({ config: { embeddedRunner: false, retentionIntervalMs: 0 } });
    const store = b.app.vigil.store as SqliteStore;
    await store.db.write((tx) =>
      tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)"),
    );
    const ready = await b.get('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      code: 'VIGIL_ERR_UNAVAILABLE',
      status: 'not_ready',
      schemaVersion: 999,
    });
    expect((await b.get('/healthz')).statusCode).toBe(200);
  });

  it('readyz is 503 when the store does not answer', async () => {
    b = await build({ config: { embeddedRunner: false, retentionIntervalMs: 0 } });
    const store = b.app.vigil.store as SqliteStore;
    const reader = store.db.reader as { all: unknown };
    reader.all = () => Promise.reject(new Error('SQLITE_IOERR: disk I/O error'));
    const ready = await b.get('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ code: 'VIGIL_ERR_UNAVAILABLE', store: 'unreachable' });
  });
});
