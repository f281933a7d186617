// The store contract, incident delivery: alerts and their incident links, the outbox lanes
// (one head per alert and sink, in order), delivery state, savepoints inside the flush, and the
// certificate watch's reads of stored checks.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../collector/domain/alerts.ts';
import { makeAlert, snapshot } from '../../incidents/fixtures.ts';
import { batch, checkRecord, entry, HOUR, incidentEvent, T0, tlsDetail } from '../fixtures.ts';
import type { ContractContext } from './context.ts';

const delivered = (alert: Alert, refId: string) => ({
  alertId: alert.id,
  sink: 'github',
  state: 'open' as const,
  refId,
  refUrl: `https://example.invalid/${refId}`,
  errorCode: null,
  error: null,
});

export function alertCases(ctx: ContractContext): void {
  describe('alerts and the outbox', () => {
    /** Saves `alert` and queues these operations with it. */
    const queue = (alert: Alert, entries: ReturnType<typeof entry>[]) =>
      ctx.store.alerts.write(async (tx) => {
        await tx.saveAlert(alert);
        await tx.enqueue(entries);
      });

    it('saves alerts, finds them by incident and lists the active ones', async () => {
      const alert = makeAlert();
      await ctx.store.alerts.write((tx) => tx.saveAlert(alert));
      expect(await ctx.store.alerts.write((tx) => tx.alert(alert.id))).toEqual(alert);
      expect(await ctx.store.alerts.write((tx) => tx.alertForIncident(alert.incidentIds[0]!))).toEqual(alert);
      expect(await ctx.store.alerts.write((tx) => tx.activeAlert('api', 'down'))).toEqual(alert);
      const byIncident = await ctx.store.alerts.forIncidents(alert.incidentIds);
      expect(byIncident.get(alert.incidentIds[0]!)?.id).toBe(alert.id);
      expect((await ctx.store.alerts.active()).map((a) => a.id)).toEqual([alert.id]);
      const closed: Alert = { ...alert, status: 'closed', closedAt: T0 + HOUR };
      await ctx.store.alerts.write((tx) => tx.saveAlert(closed));
      expect(await ctx.store.alerts.active()).toEqual([]);
      expect(await ctx.store.alerts.write((tx) => tx.activeAlert('api', 'down'))).toBeUndefined();
    });

    it('lists alerts newest first: open, recently closed, by monitor', async () => {
      const old = makeAlert({ id: 'old', start: T0, status: 'closed', closedAt: T0 + 10 });
      const recent = makeAlert({ id: 'recent', start: T0 + 1, status: 'closed', closedAt: T0 + 100 });
      const open = makeAlert({ id: 'open', start: T0 + 2, monitorId: 'web', subject: 'web' });
      await ctx.store.alerts.write(async (tx) => {
        for (const alert of [old, recent, open]) await tx.saveAlert(alert);
      });
      const ids = async (query: Parameters<typeof ctx.store.alerts.list>[0]) =>
        (await ctx.store.alerts.list(query)).map((a) => a.id);
      expect(await ids({ status: 'all', limit: 10 })).toEqual(['open', 'recent', 'old']);
      expect(await ids({ status: 'open', limit: 10 })).toEqual(['open']);
      expect(await ids({ status: 'recent', since: T0 + 50, limit: 10 })).toEqual(['open', 'recent']);
      expect(await ids({ status: 'all', monitorId: 'api', limit: 1 })).toEqual(['recent']);
    });

    it('a transaction reads monitors with their secrets and checks with their logs', async () => {
      await ctx.seed(1);
      const m1 = (await ctx.store.monitors.get('m1'))!;
      const log = snapshot('open').alert.firstFailure!.log!;
      await ctx.store.runtime.flush(
        batch({
          checks: [checkRecord('e1', m1.historyId, T0, false, { hasLog: true })],
          logs: [{ jobId: 'e1', historyId: m1.historyId, startedAt: T0, log }],
        }),
      );
      const [byHistory, byId, evidence] = await ctx.store.alerts.write(async (tx) => [
        await tx.monitorByHistory(m1.historyId),
        await tx.monitorById('m1'),
        await tx.evidence(['e1', 'e1', 'missing']),
      ]);
      expect(byHistory).toEqual({
        historyId: m1.historyId,
        id: 'm1',
        name: 'm1',
        spec: m1.spec,
        secrets: {},
      });
      expect(byId).toEqual(byHistory);
      expect([...evidence.keys()]).toEqual(['e1']);
      expect(evidence.get('e1')).toMatchObject({ check: { id: 'e1', ok: false }, log });
    });

    it('a write that throws stores neither the alert nor its outbox rows', async () => {
      const alert = makeAlert();
      await expect(
        ctx.store.alerts.write(async (tx) => {
          await tx.saveAlert(alert);
          await tx.enqueue([entry(alert, 'github', 'open')]);
          throw new Error('render failed');
        }),
      ).rejects.toThrow('render failed');
      expect(await ctx.store.alerts.active()).toEqual([]);
      expect(await ctx.store.alerts.heads(10)).toEqual([]);
      expect(await ctx.store.alerts.outbox(alert.id)).toEqual([]);
    });

    it('delivers each lane in order: one head per (alert, sink), the next after it settles', async () => {
      const alert = makeAlert();
      await queue(alert, [
        entry(alert, 'github', 'open'),
        entry(alert, 'github', 'resolve', T0 + 1),
        entry(alert, 'webhook', 'open'),
      ]);
      expect(await ctx.store.alerts.delivery(alert.id, 'webhook')).toMatchObject({ state: 'pending' });
      const heads = await ctx.store.alerts.heads(10);
      expect(heads.map((h) => [h.sink, h.op])).toEqual([
        ['github', 'open'],
        ['webhook', 'open'],
      ]);
      const first = heads[0]!;
      expect(await ctx.store.alerts.laneHasMore(first)).toBe(true);
      expect(await ctx.store.alerts.laneHasMore(heads[1]!)).toBe(false);
      expect(await ctx.store.alerts.startAttempt(first.id)).toBe(0);
      expect(await ctx.store.alerts.startAttempt(first.id)).toBe(1);
      await ctx.store.alerts.settle(first.id, { state: 'done', at: T0 + 2 }, delivered(alert, '7'));
      expect((await ctx.store.alerts.heads(10)).map((h) => [h.sink, h.op])).toEqual([
        ['github', 'resolve'],
        ['webhook', 'open'],
      ]);
      expect(await ctx.store.alerts.delivery(alert.id, 'github')).toMatchObject({
        refId: '7',
        state: 'open',
      });
      expect(await ctx.store.alerts.outboxDepth()).toEqual({ pending: 2, failed: 0 });
      const outbox = await ctx.store.alerts.outbox(alert.id);
      expect(outbox.map((r) => [r.sink, r.op, r.state, r.attempts])).toEqual([
        ['github', 'open', 'done', 2],
        ['github', 'resolve', 'pending', 0],
        ['webhook', 'open', 'pending', 0],
      ]);
      expect(outbox[0]!.snapshot).toEqual(snapshot('open', alert));
    });

    it('a retry waits for its time; a failure ends the row and shows in the summary', async () => {
      const alert = makeAlert();
      await queue(alert, [entry(alert, 'github', 'open'), entry(alert, 'webhook', 'open')]);
      const [github, webhook] = await ctx.store.alerts.heads(10);
      await ctx.store.alerts.startAttempt(github!.id);
      await ctx.store.alerts.retryLater(github!.id, T0 + HOUR, 'VIGIL_SINK_UNAVAILABLE', '503');
      expect(await ctx.store.alerts.outboxRow(github!.id)).toMatchObject({
        state: 'pending',
        nextAttemptAt: T0 + HOUR,
        errorCode: 'VIGIL_SINK_UNAVAILABLE',
      });
      await ctx.store.alerts.settle(
        webhook!.id,
        { state: 'failed', errorCode: 'E_400', error: 'bad', at: T0 + 1 },
        null,
      );
      expect(await ctx.store.alerts.outboxDepth()).toEqual({ pending: 1, failed: 1 });
      expect(await ctx.store.alerts.outboxSummary([alert.id])).toEqual([
        {
          alertId: alert.id,
          sink: 'github',
          pending: 1,
          failed: 0,
          nextAttemptAt: T0 + HOUR,
          attempts: 1,
          lastErrorCode: 'VIGIL_SINK_UNAVAILABLE',
          lastError: '503',
        },
        {
          alertId: alert.id,
          sink: 'webhook',
          pending: 0,
          failed: 1,
          nextAttemptAt: null,
          attempts: 0,
          lastErrorCode: 'E_400',
          lastError: 'bad',
        },
      ]);
      expect((await ctx.store.alerts.deliveries([alert.id])).map((d) => [d.sink, d.state])).toEqual([
        ['github', 'pending'],
        ['webhook', 'pending'],
      ]);
    });

    it('a throw inside a savepoint undoes only that work', async () => {
      await ctx.store.alerts.write(async (tx) => tx.saveAlert(makeAlert({ id: 'kept' })));
      const h = (await ctx.seed(1)).get('m1')!;
      ctx.store.runtime.setIncidentSink(async (_events, tx) => {
        await ctx.store.alerts
          .inTransaction(tx, async (alerts) => {
            await alerts.saveAlert(makeAlert({ id: 'undone' }));
            throw new Error('sink part failed');
          })
          .catch(() => undefined);
      });
      await ctx.store.runtime.flush(
        batch({ checks: [checkRecord('k1', h, T0, true)], events: [incidentEvent(h)] }),
      );
      expect(await ctx.store.runtime.storedJobs(['k1'])).toEqual(new Set(['k1']));
      expect((await ctx.store.alerts.active()).map((a) => a.id)).toEqual(['kept']);
      ctx.store.runtime.setIncidentSink(null);
    });

    it('records the incident of a certificate alert, which no verdict event stores', async () => {
      const h = (await ctx.seed(1)).get('m1')!;
      const alert = makeAlert({ id: 'm1:certificate:1', kind: 'certificate', monitorId: 'm1', reason: null });
      await ctx.store.alerts.write((tx) => tx.recordIncident(alert, h));
      expect(await ctx.store.incidents.get(alert.id)).toMatchObject({
        kind: 'certificate',
        historyId: h,
        monitorId: 'm1',
        reason: 'tls_expiring',
        resolvedAt: null,
      });
    });

    it('hands the certificate watch the TLS observations of stored checks', async () => {
      const h = (await ctx.seed(1)).get('m1')!;
      const start = await ctx.store.alerts.lastCheckId();
      const detail = tlsDetail('2026-01-12T00:00:00.000Z', 6);
      await ctx.store.runtime.flush(
        batch({
          checks: [
            checkRecord('t1', h, T0, true, { tlsDaysLeft: 6, detail }),
            checkRecord('t2', h, T0 + 1, true),
          ],
        }),
      );
      const upTo = await ctx.store.alerts.lastCheckId();
      expect(upTo).toBeGreaterThan(start);
      const seen = await ctx.store.alerts.tlsObservations(start, upTo);
      expect(seen).toMatchObject([{ historyId: h, monitorId: 'm1', startedAt: T0, daysLeft: 6 }]);
      expect(await ctx.store.alerts.certificateOf(seen[0]!.checkId)).toEqual({
        validTo: '2026-01-12T00:00:00.000Z',
        subject: 'CN=x',
        issuer: 'CN=ca',
      });
      expect(await ctx.store.alerts.tlsObservations(upTo, upTo)).toEqual([]);
    });
  });
}
