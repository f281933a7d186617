// The store contract, status reads and retention: the catalog and its generations, excluded
// spans, incidents in a window, hourly rollups of flushed checks and misses, the metrics tail,
// issue links, readiness; retention steps and maintenance spans.
import { describe, expect, it } from 'vitest';
import type { Cutoffs } from '../../../collector/store/retention-types.ts';
import { makeAlert } from '../../incidents/fixtures.ts';
import { batch, checkRecord, entry, HOUR, incidentEvent, T0, tlsDetail, writes } from '../fixtures.ts';
import type { ContractContext } from './context.ts';

export function statusCases(ctx: ContractContext): void {
  describe('status reads', () => {
    it('the catalog lists current monitors; rollups count flushed checks and misses by hour', async () => {
      const h = (await ctx.seed(1)).get('m1')!;
      expect((await ctx.store.status.catalog()).map((c) => [c.id, c.historyId, c.createdAt])).toEqual([
        ['m1', h, T0],
      ]);
      await ctx.store.runtime.flush(
        batch({
          checks: [
            checkRecord('r1', h, T0, true),
            checkRecord('r2', h, T0 + 60_000, false),
            checkRecord('r3', h, T0 + HOUR, true, { region: 'us' }),
          ],
          missed: [{ historyId: h, region: null, at: T0 + 5 }],
        }),
      );
      const totals = await ctx.store.status.rollupTotals(T0, T0 + 2 * HOUR);
      expect(totals.get(h)).toMatchObject({ checks: 3, failures: 1, missed: 1 });
      expect((await ctx.store.status.rollupTotals(T0 + HOUR, T0 + 2 * HOUR)).get(h)).toMatchObject({
        checks: 1,
      });
      const hourly = await ctx.store.status.hourly([h], T0);
      expect(hourly.map((p) => [p.hour, p.rollup.checks, p.rollup.missed])).toEqual([
        [T0, 2, 1],
        [T0 + HOUR, 1, 0],
      ]);
      const rows = await ctx.store.status.hourRows(T0 + HOUR);
      expect(rows.map((r) => [r.historyId, r.region, r.rollup.checks])).toEqual([[h, 'us', 1]]);
      expect((await ctx.store.status.readiness()).ok).toBe(true);
    });

    it('counts generations and keeps pause spans as monitors change', async () => {
      const before = await ctx.store.status.generations();
      const h = (await ctx.seed(1, () => ({ paused: true }))).get('m1')!;
      const after = await ctx.store.status.generations();
      expect(after.catalog).toBeGreaterThan(before.catalog);
      expect(after.spans).toBeGreaterThan(before.spans);
      expect((await ctx.store.status.catalog())[0]).toMatchObject({ paused: true });
      expect(await ctx.store.status.spans(T0)).toEqual([
        { historyId: h, kind: 'paused', start: T0, end: null },
      ]);
      const resumed = { ...(await ctx.store.monitors.get('m1'))!.spec, paused: false };
      await ctx.store.monitors.sync(() => ({
        result: null,
        writes: writes({
          at: T0 + HOUR,
          updates: [
            {
              historyId: h,
              action: 'update',
              spec: resumed,
              specHash: 'h2',
              secretHashes: {},
              secrets: {},
              diff: [],
            },
          ],
        }),
      }));
      expect(await ctx.store.status.spans(T0)).toEqual([
        { historyId: h, kind: 'paused', start: T0, end: T0 + HOUR },
      ]);
      expect(await ctx.store.status.spans(T0 + 2 * HOUR)).toEqual([]);
    });

    it('reads incidents that started in the window, plus every open one', async () => {
      const ids = await ctx.seed(3);
      const at = (i: number) => T0 + i * HOUR;
      const id = (m: string, i: number) => `${m}:down:${at(i)}`;
      const event = (m: string, i: number, fields: Parameters<typeof incidentEvent>[1] = {}) =>
        incidentEvent(ids.get(m)!, {
          monitorId: m,
          incidentId: id(m, i),
          start: at(i),
          at: at(i),
          ...fields,
        });
      const resolved = { type: 'resolved', end: at(1), at: at(1) } as const;
      await ctx.store.runtime.flush(
        batch({ events: [event('m1', 0), event('m2', 0), event('m2', 0, resolved), event('m3', 3)] }),
      );
      const seen = await ctx.store.status.incidents(at(2));
      expect(seen.map((i) => [i.id, i.end]).sort()).toEqual([
        [id('m1', 0), null],
        [id('m3', 3), null],
      ]);
      const all = await ctx.store.status.incidents(at(0));
      expect(all.find((i) => i.id === id('m2', 0))).toMatchObject({ end: at(1), resolvedAt: at(1) });
      // With changedAfter: only those written after it (m2 resolved at 1, m3 opened at 3).
      expect((await ctx.store.status.incidents(at(0), at(1))).map((i) => i.id)).toEqual([id('m3', 3)]);
    });

    it('tails stored checks for /metrics and keeps the latest certificate expiry', async () => {
      const h = (await ctx.seed(1)).get('m1')!;
      expect(await ctx.store.status.lastCheckId()).toBe(0);
      await ctx.store.runtime.flush(
        batch({
          checks: [
            checkRecord('a', h, T0, true, { detail: tlsDetail('2026-03-01T00:00:00.000Z') }),
            checkRecord('b', h, T0 + 1, false),
            checkRecord('c', h, T0 + 2, true),
          ],
        }),
      );
      const first = await ctx.store.status.checksAfter(0, 2);
      expect(first.map((c) => [c.region, c.ok, c.reason, c.timings.total])).toEqual([
        ['eu', true, null, 8],
        ['eu', false, 'status', 8],
      ]);
      const rest = await ctx.store.status.checksAfter(first[1]!.id, 10);
      expect(rest.map((c) => c.id)).toEqual([await ctx.store.status.lastCheckId()]);
      expect(await ctx.store.status.tlsExpiry()).toEqual([
        { historyId: h, region: 'eu', expiresAt: Date.parse('2026-03-01T00:00:00.000Z') },
      ]);
    });

    it('links incidents to the issue a sink opened, and counts undelivered rows', async () => {
      const alert = makeAlert();
      expect(await ctx.store.status.outboxDepth()).toBe(0);
      await ctx.store.alerts.write(async (tx) => {
        await tx.saveAlert(alert);
        await tx.enqueue([entry(alert, 'github', 'open'), entry(alert, 'github', 'resolve')]);
      });
      expect(await ctx.store.status.outboxDepth()).toBe(2);
      const [head] = await ctx.store.alerts.heads(1);
      const url = 'https://github.example.invalid/o/r/issues/7';
      const delivery = { alertId: alert.id, sink: 'github', state: 'open' as const, refId: '7', refUrl: url };
      await ctx.store.alerts.settle(
        head!.id,
        { state: 'done', at: T0 },
        { ...delivery, errorCode: null, error: null },
      );
      expect(await ctx.store.status.issueLinks([...alert.incidentIds, 'other'])).toEqual(
        new Map([[alert.incidentIds[0]!, url]]),
      );
      expect(await ctx.store.status.outboxDepth()).toBe(1);
    });
  });

  describe('retention', () => {
    const cutoffs = (at: number): Cutoffs => ({ checks: at, logs: at, rollups: at });

    it('deletes expired checks in batches and keeps newer ones', async () => {
      const h = (await ctx.seed(1)).get('m1')!;
      const old = Array.from({ length: 5 }, (_, i) => checkRecord(`old${i}`, h, T0 + i, true));
      await ctx.store.runtime.flush(batch({ checks: [...old, checkRecord('new', h, T0 + HOUR, true)] }));
      const limits = { checks: T0 + 1000, logs: T0 + 1000, rollups: 0 };
      expect(await ctx.store.retention.step('checks', limits, 3)).toBe(3);
      expect(await ctx.store.retention.step('checks', limits, 3)).toBe(2);
      expect(await ctx.store.retention.step('checks', limits, 3)).toBe(0);
      expect(await ctx.store.runtime.storedJobs(['old0', 'new'])).toEqual(new Set(['new']));
      // Rollups keep what they counted.
      expect((await ctx.store.status.rollupTotals(T0, T0 + 2 * HOUR)).get(h)).toMatchObject({ checks: 6 });
    });

    it('deletes expired logs, rollup hours and ended spans', async () => {
      const h = (await ctx.seed(1, () => ({ paused: true }))).get('m1')!;
      const log = (jobId: string, at: number) => ({ jobId, historyId: h, startedAt: at, log: {} as never });
      await ctx.store.runtime.flush(
        batch({
          checks: [checkRecord('l1', h, T0, false), checkRecord('l2', h, T0 + 2 * HOUR, false)],
          logs: [log('l1', T0), log('l2', T0 + 2 * HOUR)],
        }),
      );
      const spec = { ...(await ctx.store.monitors.get('m1'))!.spec, paused: false };
      const update = {
        historyId: h,
        action: 'update' as const,
        spec,
        specHash: 'h2',
        secretHashes: {},
        secrets: {},
      };
      await ctx.store.monitors.sync(() => ({
        result: null,
        writes: writes({ at: T0 + HOUR, updates: [{ ...update, diff: [] }] }),
      }));
      const at = cutoffs(T0 + HOUR + 1);
      expect(await ctx.store.retention.step('check_logs', at, 10)).toBe(1);
      expect(await ctx.store.checks.log(h, 'l1')).toBeUndefined();
      expect(await ctx.store.checks.log(h, 'l2')).toBeDefined();
      expect(await ctx.store.retention.step('rollups', at, 10)).toBe(1);
      expect((await ctx.store.status.hourly([h], 0)).map((p) => p.hour)).toEqual([T0 + 2 * HOUR]);
      expect(await ctx.store.retention.step('monitor_spans', at, 10)).toBe(1);
      expect(await ctx.store.status.spans(0)).toEqual([]);
    });

    it('deletes the settled outbox rows of alerts closed long enough; pending rows and the alert stay', async () => {
      const closed = makeAlert({ id: 'closed', status: 'closed', closedAt: T0 });
      await ctx.store.alerts.write(async (tx) => {
        await tx.saveAlert(closed);
        await tx.enqueue([entry(closed, 'github', 'open'), entry(closed, 'github', 'resolve')]);
      });
      const [head] = await ctx.store.alerts.heads(1);
      await ctx.store.alerts.settle(head!.id, { state: 'done', at: T0 }, null);
      expect(await ctx.store.retention.step('outbox', cutoffs(T0), 10)).toBe(0);
      expect(await ctx.store.retention.step('outbox', cutoffs(T0 + 1), 10)).toBe(1);
      expect((await ctx.store.alerts.outbox('closed')).map((r) => r.op)).toEqual(['resolve']);
      expect((await ctx.store.alerts.list({ status: 'all', limit: 10 })).map((a) => a.id)).toEqual([
        'closed',
      ]);
    });

    it('materializes maintenance spans up to now, once', async () => {
      const window = { cron: '0 3 * * *', duration: 1_800_000, timezone: 'UTC' };
      const h = (await ctx.seed(2, (id) => ({ maintenance: id === 'm1' ? [window] : [] }))).get('m1')!;
      const now = T0 + 48 * HOUR;
      const written = await ctx.store.retention.materializeMaintenance(await ctx.store.status.catalog(), now);
      expect(written).toBe(2);
      const spans = await ctx.store.status.spans(0);
      expect(spans.map((s) => [s.historyId, s.kind, s.end! - s.start])).toEqual([
        [h, 'maintenance', 1_800_000],
        [h, 'maintenance', 1_800_000],
      ]);
      expect(await ctx.store.status.maintenanceUntil()).toEqual(new Map([[h, now]]));
      expect(await ctx.store.retention.materializeMaintenance(await ctx.store.status.catalog(), now)).toBe(0);
    });
  });
}
