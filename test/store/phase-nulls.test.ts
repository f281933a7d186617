// Phase timings in the SQLite store: a phase that never happened is stored and read back as null,
// and rows stored before null phases (0 for such a phase) read the way a runner's report is read
// (probe/phase-clock.ts reportedTimings), in check pages and in the /metrics tail alike.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../collector/store/sqlite/index.ts';
import { batch, checkRecord, T0 } from './fixtures.ts';

let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-phases-'));
  store = await openSqliteStore({ path: join(dir, 'vigil.db') });
  await store.db.write(async (tx) => {
    await tx.run("INSERT INTO monitor_histories (history_id, first_id, created_at) VALUES (1, 'm1', 0)");
  });
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const page = async () => (await store.checks.page(1, { limit: 10 })).checks;

describe('phase timings in the store', () => {
  it('stores a phase that never happened as null and reads it back as null', async () => {
    const timings = { resolve: null, connect: 0.4, tls: null, processing: null, transfer: null, total: 0.4 };
    await store.runtime.flush(
      batch({
        checks: [
          checkRecord('refused', 1, T0, false, {
            reason: 'connect_refused',
            status: null,
            timings,
            detail: { phase: 'connect', tls: null, redirects: [], assertions: [] },
          }),
        ],
      }),
    );
    const raw = await store.db.reader.get<{ timings: string }>('SELECT timings FROM checks');
    expect(JSON.parse(raw!.timings)).toEqual(timings);
    expect((await page())[0]!.timings).toEqual(timings);
    expect((await store.status.checksAfter(0, 10))[0]!.timings).toEqual(timings);
  });

  it('reads the 0s of rows stored before null phases as null where they cannot be measurements', async () => {
    const old = { resolve: 0, connect: 0.3, tls: 0, processing: 0, transfer: 0, total: 0.3 };
    const hop = { url: 'http://127.0.0.1/', method: 'GET', status: 301, location: '/x', remote: null };
    const detail = {
      phase: 'connect',
      tls: null,
      redirects: [
        { ...hop, timings: { resolve: 0, connect: 0.2, tls: 0, processing: 1, transfer: 0.1, total: 1.3 } },
      ],
      assertions: [],
    };
    await store.db.write(async (tx) => {
      await tx.run(
        `INSERT INTO checks (job_id, history_id, monitor_id, region, runner_id, purpose, round_id, started_at, due_at,
           claimed_at, received_at, ok, reason, message, status, total_ms, timings, detail, has_log)
         VALUES ('old', 1, 'm1', 'eu', NULL, 'scheduled', 'r', ?, ?, ?, ?, 0, 'connect_refused', 'x', NULL, 0.3, ?, ?, 0)`,
        [T0, T0, T0, T0, JSON.stringify(old), JSON.stringify(detail)],
      );
    });
    // Failed in connect: nothing after it happened; a 0 resolve may be a fast lookup and stays.
    const truthful = { resolve: 0, connect: 0.3, tls: null, processing: null, transfer: null, total: 0.3 };
    const [check] = await page();
    expect(check!.timings).toEqual(truthful);
    // The hop was answered (a redirect): only its impossible 0 (tls) is null.
    expect(check!.detail.redirects[0]!.timings).toEqual({
      resolve: 0,
      connect: 0.2,
      tls: null,
      processing: 1,
      transfer: 0.1,
      total: 1.3,
    });
    expect((await store.status.checksAfter(0, 10))[0]!.timings).toEqual(truthful);
  });
});
