// The store contract, outbox claims: one delivery worker of a cluster holds a row at a time (a
// lease with an owner and an expiry), only the head of a lane can be claimed, an expired claim is
// taken over, and settling or rescheduling a row releases it.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../collector/domain/alerts.ts';
import { MEMBER_LIVE_MS } from '../../../collector/store/cluster-types.ts';
import { makeAlert } from '../../incidents/fixtures.ts';
import { entry, T0 } from '../fixtures.ts';
import type { ContractContext } from './context.ts';

const LEASE = 60_000;

export function outboxClaimCases(ctx: ContractContext): void {
  describe('outbox claims', () => {
    const queue = (alert: Alert, entries: ReturnType<typeof entry>[]) =>
      ctx.store.alerts.write(async (tx) => {
        await tx.saveAlert(alert);
        await tx.enqueue(entries);
      });

    it('two claimers, one row: the first wins, the second gets nothing until the claim ends', async () => {
      const alert = makeAlert();
      await queue(alert, [entry(alert, 'github', 'open')]);
      const [head] = await ctx.store.alerts.heads(10);
      const a = await ctx.store.alerts.claim(head!.id, 'member-a', T0, T0 + LEASE);
      expect(a).toMatchObject({ id: head!.id, op: 'open', state: 'pending' });
      expect(a?.snapshot.op).toBe('open');
      expect(await ctx.store.alerts.claim(head!.id, 'member-b', T0 + 1, T0 + 1 + LEASE)).toBeUndefined();
      // Its holder may claim it again (a new pass of its own worker).
      expect(await ctx.store.alerts.claim(head!.id, 'member-a', T0 + 2, T0 + 2 + LEASE)).toBeDefined();
      // A live claim hides the row from everyone's heads as of now; without a time it is listed.
      expect(await ctx.store.alerts.heads(10, T0 + 3)).toEqual([]);
      expect((await ctx.store.alerts.heads(10)).map((h) => h.id)).toEqual([head!.id]);
      // Of many claimers at once, exactly one gets it.
      const other = makeAlert({ id: 'other', incidentIds: ['inc-other'], subject: 'web', monitorId: 'web' });
      await queue(other, [entry(other, 'github', 'open')]);
      const otherHead = (await ctx.store.alerts.heads(10)).find((h) => h.alertId === 'other')!;
      const tries = await Promise.all(
        Array.from({ length: 8 }, (_, i) => ctx.store.alerts.claim(otherHead.id, `m${i}`, T0, T0 + LEASE)),
      );
      expect(tries.filter((row) => row !== undefined)).toHaveLength(1);
    });

    it('an expired claim is taken by another; the old holder can no longer renew it', async () => {
      const alert = makeAlert();
      await queue(alert, [entry(alert, 'github', 'open')]);
      const [head] = await ctx.store.alerts.heads(10);
      await ctx.store.alerts.claim(head!.id, 'member-a', T0, T0 + LEASE);
      expect(await ctx.store.alerts.renewClaim(head!.id, 'member-a', T0 + 2 * LEASE)).toBe(true);
      expect(await ctx.store.alerts.claim(head!.id, 'member-b', T0 + LEASE, T0 + 3 * LEASE)).toBeUndefined();
      // Past the renewed expiry: listed again, and member-b takes it over.
      expect((await ctx.store.alerts.heads(10, T0 + 2 * LEASE)).map((h) => h.id)).toEqual([head!.id]);
      const taken = await ctx.store.alerts.claim(head!.id, 'member-b', T0 + 2 * LEASE, T0 + 3 * LEASE);
      expect(taken?.id).toBe(head!.id);
      expect(await ctx.store.alerts.renewClaim(head!.id, 'member-a', T0 + 4 * LEASE)).toBe(false);
      expect(await ctx.store.alerts.renewClaim(head!.id, 'member-b', T0 + 4 * LEASE)).toBe(true);
    });

    it('only the head of a lane can be claimed: rows of one incident in order', async () => {
      const alert = makeAlert();
      await queue(alert, [
        entry(alert, 'github', 'open'),
        entry(alert, 'github', 'remind', T0 + 1),
        entry(alert, 'github', 'resolve', T0 + 2),
        entry(alert, 'webhook', 'open'),
      ]);
      const rows = await ctx.store.alerts.outbox(alert.id);
      const [open, remind, resolve, webhook] = rows;
      expect(rows.map((r) => [r.sink, r.op])).toEqual([
        ['github', 'open'],
        ['github', 'remind'],
        ['github', 'resolve'],
        ['webhook', 'open'],
      ]);
      expect(await ctx.store.alerts.claim(resolve!.id, 'b', T0, T0 + LEASE)).toBeUndefined();
      expect(await ctx.store.alerts.claim(remind!.id, 'b', T0, T0 + LEASE)).toBeUndefined();
      // Another lane of the same alert is independent.
      expect(await ctx.store.alerts.claim(webhook!.id, 'b', T0, T0 + LEASE)).toBeDefined();
      expect(await ctx.store.alerts.claim(open!.id, 'a', T0, T0 + LEASE)).toBeDefined();
      await ctx.store.alerts.settle(open!.id, { state: 'done', at: T0 + 5 }, null);
      // Skipped or failed rows end their turn too.
      expect(await ctx.store.alerts.claim(resolve!.id, 'b', T0 + 6, T0 + LEASE)).toBeUndefined();
      expect(await ctx.store.alerts.claim(remind!.id, 'b', T0 + 6, T0 + LEASE)).toBeDefined();
      await ctx.store.alerts.settle(remind!.id, { state: 'skipped', error: 'superseded', at: T0 + 7 }, null);
      expect(await ctx.store.alerts.claim(resolve!.id, 'a', T0 + 8, T0 + LEASE)).toBeDefined();
    });

    it('the claims of a member whose heartbeat stopped are released; the holder is then free to go', async () => {
      const alert = makeAlert();
      await queue(alert, [entry(alert, 'github', 'open')]);
      const [head] = await ctx.store.alerts.heads(10);
      await ctx.store.cluster.heartbeat({ id: 'gone', url: 'http://127.0.0.1:1', startedAt: T0 }, T0);
      await ctx.store.alerts.claim(head!.id, 'gone', T0, T0 + 10 * LEASE);
      const after = T0 + MEMBER_LIVE_MS + 1;
      expect(await ctx.store.alerts.releaseDeadClaims('me', after)).toBe(1);
      expect((await ctx.store.alerts.heads(10, after)).map((h) => h.id)).toEqual([head!.id]);
      expect(await ctx.store.alerts.claim(head!.id, 'me', after, after + LEASE)).toBeDefined();
      // Its own claims a caller never releases.
      expect(await ctx.store.alerts.releaseDeadClaims('me', after)).toBe(0);
    });

    it('rescheduling or settling a row releases its claim', async () => {
      const alert = makeAlert();
      await queue(alert, [entry(alert, 'github', 'open'), entry(alert, 'github', 'resolve', T0 + 1)]);
      const [open, resolve] = await ctx.store.alerts.outbox(alert.id);
      await ctx.store.alerts.claim(open!.id, 'a', T0, T0 + LEASE);
      await ctx.store.alerts.startAttempt(open!.id);
      await ctx.store.alerts.retryLater(open!.id, T0 + 10, 'VIGIL_ERR_SINK_UNAVAILABLE', '503');
      expect(await ctx.store.alerts.renewClaim(open!.id, 'a', T0 + LEASE)).toBe(false);
      // Free again before the old claim's expiry: whoever claims it sees the try already counted.
      const again = await ctx.store.alerts.claim(open!.id, 'b', T0 + 10, T0 + 10 + LEASE);
      expect(again).toMatchObject({ attempts: 1, nextAttemptAt: T0 + 10 });
      await ctx.store.alerts.settle(open!.id, { state: 'done', at: T0 + 11 }, null);
      expect(await ctx.store.alerts.claim(open!.id, 'b', T0 + 12, T0 + LEASE)).toBeUndefined();
      expect(await ctx.store.alerts.claim(resolve!.id, 'a', T0 + 12, T0 + 12 + LEASE)).toBeDefined();
    });
  });
}
