// A full store under the write buffer, made deterministic with SQLite's `max_page_count` on a real
// file: flushes fail with the typed StorageError (VIGIL_STORE_FULL), retries back off instead of
// running every flush period, the buffer stays bounded by dropping the oldest check rows (counted,
// logged a few lines per outage), and once the store takes writes again the newest rows land and
// the database is intact.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WriteBuffer } from '../../collector/engine/write-buffer.ts';
import { StorageError } from '../../collector/store/errors.ts';
import type { FlushBatch } from '../../collector/store/runtime-types.ts';
import { openSqliteStore, type SqliteStore } from '../../collector/store/sqlite/index.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { batch, checkRecord, create, writes } from '../store/fixtures.ts';
import { FakeClock, turn } from './fake-clock.ts';
import { recordingLogger } from './recording-logger.ts';

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  cleanup = [];
});

/** A real store with one monitor (lineage returned). */
async function storeWithMonitor(): Promise<{ store: SqliteStore; path: string; historyId: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-full-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'vigil.db');
  const store = await openSqliteStore({ path });
  cleanup.push(() => store.close());
  await store.monitors.sync(() => ({ result: null, writes: writes({ creates: [create(makeSpec('m1'))] }) }));
  const [monitor] = await store.monitors.list();
  return { store, path, historyId: monitor!.historyId };
}

/** Caps the file at its current size (SQLITE_FULL on the next page it needs), or lifts the cap. */
async function setFull(store: SqliteStore, full: boolean): Promise<void> {
  await store.db.write(async (tx) => {
    const row = await tx.get<{ page_count: number }>('PRAGMA page_count');
    await tx.exec(`PRAGMA max_page_count = ${full ? row!.page_count : 1_000_000}`);
  });
}

const bigMessage = 'x'.repeat(2000);

describe('a full store', () => {
  it('fails writes with VIGIL_STORE_FULL naming the file, and reports it until a write succeeds', async () => {
    const { store, path, historyId } = await storeWithMonitor();
    await setFull(store, true);
    const rows = Array.from({ length: 50 }, (_, i) =>
      checkRecord(`j${i}`, historyId, 1000 + i, true, { message: bigMessage }),
    );
    const error = await store.runtime.flush(batch({ checks: rows })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('VIGIL_STORE_FULL');
    expect((error as StorageError).reason).toBe('storage_full');
    expect((error as StorageError).message).toContain(path);
    const condition = store.storage.condition();
    expect(condition).toMatchObject({ writable: false, failures: 1 });
    // Reads still work.
    expect(await store.monitors.list()).toHaveLength(1);

    await setFull(store, false);
    expect(store.storage.condition().writable).toBe(true);
    await store.runtime.flush(batch({ checks: rows }));
    const ok = await store.db.reader.all<{ integrity_check: string }>('PRAGMA integrity_check');
    expect(ok).toEqual([{ integrity_check: 'ok' }]);
  });

  it('backs off, sheds the oldest check rows within its bound, logs a few lines, then writes the newest', async () => {
    const { store, historyId } = await storeWithMonitor();
    const clock = new FakeClock(0);
    const { logger, lines } = recordingLogger();
    let attempts = 0;
    const runtime = Object.create(store.runtime) as typeof store.runtime;
    runtime.flush = (b: FlushBatch) => {
      attempts += 1;
      return store.runtime.flush(b);
    };
    const buffer = new WriteBuffer({
      store: runtime,
      timers: clock,
      clock: clock.now,
      flushMs: 200,
      maxBuffered: 600,
      random: () => 1,
      log: logger,
    });
    await setFull(store, true);

    // 75 s of fake time, 10 results a second: 750 rows against a bound of 600.
    let n = 0;
    for (let t = 0; t < 75_000; t += 100) {
      buffer.check(checkRecord(`j${n}`, historyId, t, n % 10 !== 0, { message: bigMessage }), null);
      n += 1;
      await clock.advance(100);
    }
    // Without backoff: an attempt every flush period or 500 rows (500 seen). With it: 13.
    expect(attempts).toBeGreaterThan(3);
    expect(attempts).toBeLessThanOrEqual(20);
    expect(buffer.stats.consecutiveFailures).toBe(attempts);
    // Bounded: never more than 600 checks held; what went is counted.
    expect(buffer.pending).toBeLessThanOrEqual(600);
    expect(buffer.stats.dropped.buffer_full).toBe(n - buffer.pending);
    expect(buffer.stats.dropped.buffer_full).toBeGreaterThan(0);
    // A few lines, not one per failure or per row: the first failure, the first drop, a summary a minute.
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(lines[0]).toMatchObject({ level: 'error' });
    expect((lines[0]!.fields as { err: unknown }).err).toBeInstanceOf(StorageError);
    expect(lines.some((l) => l.message.includes('dropping the oldest'))).toBe(true);

    await setFull(store, false);
    await clock.advance(10_000);
    await turn();
    expect(buffer.pending).toBe(0);
    expect(lines.at(-1)).toMatchObject({ level: 'warn', message: 'engine: flushes succeed again' });
    const stored = await store.db.reader.all<{ job_id: string }>(
      'SELECT job_id FROM checks ORDER BY started_at',
    );
    // The newest rows were kept: the last one taken is stored, the first ones were dropped.
    expect(stored.at(-1)!.job_id).toBe(`j${n - 1}`);
    expect(stored[0]!.job_id).toBe(`j${buffer.stats.dropped.buffer_full}`);
    expect(stored).toHaveLength(n - buffer.stats.dropped.buffer_full);
    const ok = await store.db.reader.all<{ integrity_check: string }>('PRAGMA integrity_check');
    expect(ok).toEqual([{ integrity_check: 'ok' }]);
    await buffer.close();
  });

  it('hands what it could not write back at close (for the spill)', async () => {
    const { store, historyId } = await storeWithMonitor();
    const clock = new FakeClock(0);
    const buffer = new WriteBuffer({ store: store.runtime, timers: clock, clock: clock.now });
    await setFull(store, true);
    for (let i = 0; i < 40; i++) {
      buffer.check(checkRecord(`j${i}`, historyId, i, true, { message: bigMessage }), null);
    }
    const rest = await buffer.close();
    expect(rest?.checks.map((c) => c.id)).toEqual(Array.from({ length: 40 }, (_, i) => `j${i}`));
    expect(buffer.pending).toBe(0);
  });
});
