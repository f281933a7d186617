// The store contract, runtime: what the engine's flush writes (checks, logs, marks, states,
// runners, incident events) and reads back, and the incident sink that runs inside the flush.
import { describe, expect, it } from 'vitest';
import type { StoredIncidentEvent } from '../../../collector/store/runtime-types.ts';
import { makeAlert, snapshot } from '../../incidents/fixtures.ts';
import {
  batch,
  checkRecord,
  HOUR,
  incidentEvent,
  regionEvent,
  runnerRecord,
  storedState,
  T0,
} from '../fixtures.ts';
import type { ContractContext } from './context.ts';

export function runtimeCases(ctx: ContractContext): void {
  describe('runtime', () => {
    it('flushes checks idempotently by job id and pages them newest first', async () => {
      const h = (await ctx.seed(1)).get('m1')!;
      const checks = Array.from({ length: 5 }, (_, i) => checkRecord(`j${i}`, h, T0 + i * 60_000, i !== 2));
      await ctx.store.runtime.flush(batch({ checks }));
      await ctx.store.runtime.flush(batch({ checks: checks.slice(0, 2) }));
      expect(await ctx.store.runtime.storedJobs(['j0', 'j4', 'x'])).toEqual(new Set(['j0', 'j4']));
      const page = await ctx.store.checks.page(h, { limit: 3 });
      expect(page.checks.map((c) => c.id)).toEqual(['j4', 'j3', 'j2']);
      expect(page.next).not.toBeNull();
      expect(await ctx.store.checks.get(h, 'j2')).toMatchObject({ ok: false, reason: 'status', status: 500 });
      expect(await ctx.store.checks.get(h + 1, 'j2')).toBeUndefined();
    });

    it('stores a job once even when it comes again with another start time (a retry through another collector)', async () => {
      const h = (await ctx.seed(1)).get('m1')!;
      await ctx.store.runtime.flush(batch({ checks: [checkRecord('again', h, T0, false)] }));
      await ctx.store.runtime.flush(batch({ checks: [checkRecord('again', h, T0 + 1_500, false)] }));
      const page = await ctx.store.checks.page(h, { limit: 10 });
      expect(page.checks.map((c) => [c.id, c.startedAt])).toEqual([['again', T0]]);
    });

    it('pages from a time on, before a time, and with logs; the last page has no cursor', async () => {
      const h = (await ctx.seed(1)).get('m1')!;
      const log = snapshot('open').alert.firstFailure!.log!;
      await ctx.store.runtime.flush(
        batch({
          checks: [0, 1, 2, 3].map((i) =>
            checkRecord(`p${i}`, h, T0 + i * 1000, i !== 3, { hasLog: i === 3 }),
          ),
          logs: [{ jobId: 'p3', historyId: h, startedAt: T0 + 3000, log }],
        }),
      );
      const since = await ctx.store.checks.page(h, { since: T0 + 1000, limit: 10 });
      expect(since.checks.map((c) => c.id)).toEqual(['p3', 'p2', 'p1']);
      expect(since.next).toBeNull();
      const before = await ctx.store.checks.page(h, {
        before: { startedAt: T0 + 2000, rowid: null },
        limit: 10,
      });
      expect(before.checks.map((c) => c.id)).toEqual(['p1', 'p0']);
      const withLogs = await ctx.store.checks.page(h, { limit: 2, withLogs: true });
      expect(withLogs.checks.map((c) => [c.id, c.log ?? null])).toEqual([
        ['p3', log],
        ['p2', null],
      ]);
    });

    it('keeps response logs, and marks written in a later flush', async () => {
      const h = (await ctx.seed(1)).get('m1')!;
      const log = snapshot('open').alert.firstFailure!.log!;
      await ctx.store.runtime.flush(
        batch({
          checks: [checkRecord('f1', h, T0, false, { hasLog: true })],
          logs: [{ jobId: 'f1', historyId: h, startedAt: T0, log }],
        }),
      );
      await ctx.store.runtime.flush(batch({ marks: [{ jobId: 'f1', mark: 'unconfirmed' }] }));
      expect((await ctx.store.checks.log(h, 'f1'))?.log).toEqual(log);
      expect((await ctx.store.checks.get(h, 'f1'))?.mark).toBe('unconfirmed');
    });

    it('recent checks come oldest first from a time on', async () => {
      const h = (await ctx.seed(1)).get('m1')!;
      const checks = [checkRecord('a', h, T0, true), checkRecord('b', h, T0 + 2000, false)];
      await ctx.store.runtime.flush(batch({ checks: [...checks, checkRecord('c', h, T0 + 1000, true)] }));
      expect((await ctx.store.runtime.recentChecks(T0 + 500)).map((c) => [c.startedAt, c.ok])).toEqual([
        [T0 + 1000, true],
        [T0 + 2000, false],
      ]);
    });

    it('stores states, replaces them, and drops them for gone lineages', async () => {
      const ids = await ctx.seed(2);
      const [h1, h2] = [ids.get('m1')!, ids.get('m2')!];
      await ctx.store.runtime.flush(batch({ states: [storedState(h1), storedState(h2)] }));
      expect((await ctx.store.runtime.loadStates()).map((s) => s.monitorId).sort()).toEqual(['m1', 'm2']);
      const down = storedState(h1, {
        verdict: { ...storedState(h1).verdict, state: 'down' },
        updatedAt: T0 + 9,
      });
      await ctx.store.runtime.flush(batch({ states: [down], dropStates: [h2] }));
      expect(await ctx.store.runtime.loadStates()).toEqual([down]);
      expect(await ctx.store.status.states()).toMatchObject([
        { historyId: h1, state: 'down', updatedAt: T0 + 9 },
      ]);
      expect(await ctx.store.status.states(T0 + 9)).toEqual([]);
    });

    it('keeps runner sessions until they deregister', async () => {
      const runner = runnerRecord();
      await ctx.store.runtime.flush(batch({ runners: [runner] }));
      expect(await ctx.store.runtime.loadRunners()).toEqual([runner]);
      expect(await ctx.store.status.runners()).toEqual([
        { region: 'eu', name: 'eu-1', version: '1.0.0', embedded: false, lastSeen: T0 },
      ]);
      await ctx.store.runtime.flush(
        batch({ runners: [{ ...runner, lastSeen: T0 + 1, deregisteredAt: T0 + 1 }] }),
      );
      expect(await ctx.store.runtime.loadRunners()).toEqual([]);
      expect(await ctx.store.status.runners()).toEqual([]);
    });

    it('keeps the key fingerprint of a session and takes a renewal (new token hash, new end)', async () => {
      const runner = runnerRecord({ keyFingerprint: 'f1', expiresAt: T0 + HOUR });
      await ctx.store.runtime.flush(batch({ runners: [runner] }));
      const renewed = { ...runner, tokenHash: 'bb', expiresAt: T0 + 2 * HOUR, lastSeen: T0 + 5 };
      await ctx.store.runtime.flush(batch({ runners: [renewed] }));
      expect(await ctx.store.runtime.loadRunners()).toEqual([renewed]);
    });
  });

  describe('incidents', () => {
    it('stores incident events in order and the incident they make', async () => {
      const h = (await ctx.seed(1)).get('m1')!;
      await ctx.store.runtime.flush(batch({ events: [incidentEvent(h)] }));
      const end = T0 + HOUR;
      const resolved = incidentEvent(h, { type: 'resolved', end, lastFailure: end, at: end });
      await ctx.store.runtime.flush(batch({ events: [resolved] }));
      const id = `m1:down:${T0}`;
      expect(await ctx.store.incidents.get(id)).toMatchObject({ id, kind: 'down', start: T0, end });
      const events = await ctx.store.incidents.events(id);
      expect(events.map((e) => (e.source === 'monitor' ? e.event.type : 'region'))).toEqual([
        'opened',
        'resolved',
      ]);
      expect(events[0]!.seq).toBeLessThan(events[1]!.seq);
      const resolvedList = await ctx.store.incidents.list({ status: 'resolved', limit: 10 });
      expect(resolvedList.map((i) => i.id)).toEqual([id]);
      expect(await ctx.store.incidents.list({ status: 'open', limit: 10 })).toEqual([]);
    });

    it('stores region incidents and lists incidents newest first by monitor, kind and start', async () => {
      const ids = await ctx.seed(2);
      await ctx.store.runtime.flush(
        batch({
          events: [
            incidentEvent(ids.get('m1')!),
            incidentEvent(ids.get('m2')!, { incidentId: `m2:down:${T0 + 5}`, start: T0 + 5 }),
            regionEvent('eu', { start: T0 + 9, incidentId: 'region:eu:1' }),
          ],
        }),
      );
      expect(await ctx.store.incidents.get('region:eu:1')).toMatchObject({ kind: 'region', region: 'eu' });
      const [region] = await ctx.store.incidents.events('region:eu:1');
      expect(region).toMatchObject({ source: 'region', event: { region: 'eu', failing: 9 } });
      const all = await ctx.store.incidents.list({ limit: 10 });
      expect(all.map((i) => i.id)).toEqual(['region:eu:1', `m2:down:${T0 + 5}`, `m1:down:${T0}`]);
      expect((await ctx.store.incidents.list({ monitorId: 'm1', limit: 10 })).map((i) => i.id)).toEqual([
        `m1:down:${T0}`,
      ]);
      expect((await ctx.store.incidents.list({ kind: 'down', before: T0 + 5, limit: 10 })).length).toBe(1);
    });

    it('runs the incident sink inside the flush: a throw rolls the whole flush back', async () => {
      const h = (await ctx.seed(1)).get('m1')!;
      const seen: StoredIncidentEvent[][] = [];
      let fail = true;
      ctx.store.runtime.setIncidentSink(async (events, tx) => {
        // Alerts written through the flush's transaction commit or roll back with it.
        await ctx.store.alerts.inTransaction(tx, (alerts) =>
          alerts.saveAlert(makeAlert({ id: `alert-${seen.length}` })),
        );
        seen.push([...events]);
        if (fail) {
          fail = false;
          throw new Error('outbox unavailable');
        }
      });
      const flush = batch({ checks: [checkRecord('x1', h, T0, false)], events: [incidentEvent(h)] });
      await expect(ctx.store.runtime.flush(flush)).rejects.toThrow('outbox unavailable');
      expect(await ctx.store.runtime.storedJobs(['x1'])).toEqual(new Set());
      expect(await ctx.store.incidents.get(`m1:down:${T0}`)).toBeUndefined();
      expect(await ctx.store.alerts.active()).toEqual([]);
      await ctx.store.runtime.flush(flush);
      expect(await ctx.store.runtime.storedJobs(['x1'])).toEqual(new Set(['x1']));
      expect((await ctx.store.alerts.active()).map((a) => a.id)).toEqual(['alert-1']);
      expect(seen[1]!.map((e) => e.event.incidentId)).toEqual([`m1:down:${T0}`]);
      ctx.store.runtime.setIncidentSink(null);
    });
  });
}
