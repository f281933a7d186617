// A check row the store cannot hold (a value SQLite cannot bind) must not poison the buffer: the
// whole batch fails once, then the flush writes everything else and sets the bad rows aside one by
// one, each dropped with a log line and counted (vigil_check_rows_dropped_total{reason=unwritable}).
// Before, such a row failed every later flush for good: nothing was stored after it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WriteBuffer } from '../../collector/engine/write-buffer.ts';
import { openSqliteStore, type SqliteStore } from '../../collector/store/sqlite/index.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { checkRecord, create, storedState, writes } from '../store/fixtures.ts';
import { FakeClock } from './fake-clock.ts';
import { recordingLogger } from './recording-logger.ts';

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  cleanup = [];
});

async function storeWithMonitor(): Promise<{ store: SqliteStore; historyId: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-unwritable-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const store = await openSqliteStore({ path: join(dir, 'vigil.db') });
  cleanup.push(() => store.close());
  await store.monitors.sync(() => ({ result: null, writes: writes({ creates: [create(makeSpec('m1'))] }) }));
  const [monitor] = await store.monitors.list();
  return { store, historyId: monitor!.historyId };
}

describe('a row the store cannot hold', () => {
  it('is set aside with a log line and a count; the rest of its batch and every later flush are stored', async () => {
    const { store, historyId } = await storeWithMonitor();
    const clock = new FakeClock(Date.UTC(2026, 0, 5));
    const log = recordingLogger();
    const buffer = new WriteBuffer({
      store: store.runtime,
      timers: clock,
      clock: clock.now,
      log: log.logger,
      onError: () => {},
    });
    const at = clock.now();
    buffer.check(checkRecord('good-1', historyId, at, true), null);
    buffer.check(checkRecord('bad', historyId, at + 1, false, { remoteFamily: {} as never }), null);
    buffer.check(checkRecord('good-2', historyId, at + 2, false), null);
    buffer.state(historyId, () => storedState(historyId, { monitorId: 'm1' }));

    await buffer.flush();

    const ids = (await store.db.reader.all<{ job_id: string }>('SELECT job_id FROM checks ORDER BY id')).map(
      (r) => r.job_id,
    );
    expect(ids).toEqual(['good-1', 'good-2']);
    expect(await store.db.reader.all('SELECT history_id FROM monitor_states')).toHaveLength(1);
    expect(buffer.stats.dropped.unwritable).toBe(1);
    expect(buffer.pending).toBe(0);
    expect(
      log.lines.filter((l) => l.level === 'error' && JSON.stringify(l.fields).includes('"bad"')),
    ).toHaveLength(1);

    buffer.check(checkRecord('good-3', historyId, at + 3, true), null);
    await buffer.flush();
    expect(await store.db.reader.all('SELECT job_id FROM checks WHERE job_id = ?', ['good-3'])).toHaveLength(
      1,
    );
    expect(buffer.stats.consecutiveFailures).toBe(0);
  });
});
