// The incident service's one-second timing tick: a tick that fails is logged and the next one
// runs; the failure never escapes as an unhandled rejection (which would end the collector).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../collector/config/config.ts';
import { IncidentService } from '../../collector/incidents/service.ts';
import { openSqliteStore, type SqliteStore } from '../../collector/store/sqlite/index.ts';
import { FakeClock, turn } from '../engine/fake-clock.ts';
import { T0 } from './fixtures.ts';

let dir: string | undefined;
let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  store = undefined;
  dir = undefined;
});

describe('incident service tick', () => {
  it('a failing tick is logged, the next one runs, and nothing goes unhandled', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-incident-tick-'));
    const opened = await openSqliteStore({ path: join(dir, 'vigil.db') });
    store = opened;
    const clock = new FakeClock(T0);
    const errors: string[] = [];
    const service = new IncidentService({
      config: DEFAULT_CONFIG,
      store: opened,
      clock: clock.now,
      timers: clock,
      sinks: new Map(),
      log: { info() {}, warn() {}, error: (_data, message) => errors.push(message) },
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await service.start();
      // The store cannot list the active alerts for the next two ticks (a stalled or broken store).
      const active = opened.alerts.active.bind(opened.alerts);
      let failures = 2;
      opened.alerts.active = () =>
        failures-- > 0 ? Promise.reject(new Error('SQLITE_BUSY: database is locked')) : active();
      for (let i = 0; i < 3; i++) await clock.advance(1000);
      await service.settled();
      // Rejections are reported after the microtask queue drains: give them a turn or two.
      await turn();
      await turn();
      expect(errors.filter((m) => m === 'incidents: tick failed')).toHaveLength(2);
      expect(failures).toBeLessThan(0);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await service.stop();
    }
  });
});
