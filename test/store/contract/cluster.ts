// Store contract: members and shard leases (collector/store/cluster-types.ts). Leases are
// compare-and-set: free, expired or already mine; the epoch grows on every change of owner.
import { expect, it } from 'vitest';
import { MEMBER_LIVE_MS } from '../../../collector/store/cluster-types.ts';
import type { ContractContext } from './context.ts';

const T = Date.UTC(2026, 0, 5, 10);
const TTL = 15_000;

export function clusterCases(ctx: ContractContext): void {
  it('cluster: heartbeats make members live until MEMBER_LIVE_MS passes; leave deletes the member', async () => {
    const { cluster } = ctx.store;
    await cluster.heartbeat({ id: 'a', url: 'http://127.0.0.1:1', startedAt: T }, T);
    await cluster.heartbeat({ id: 'b', url: 'http://127.0.0.1:2', startedAt: T }, T + 5000);
    expect(await cluster.members(T + 1000)).toEqual([
      { id: 'a', url: 'http://127.0.0.1:1', startedAt: T, heartbeatAt: T },
      { id: 'b', url: 'http://127.0.0.1:2', startedAt: T, heartbeatAt: T + 5000 },
    ]);
    expect((await cluster.members(T + MEMBER_LIVE_MS)).map((m) => m.id)).toEqual(['b']);
    // A heartbeat refreshes the row (and the URL).
    await cluster.heartbeat({ id: 'a', url: 'http://127.0.0.1:3', startedAt: T }, T + 10_000);
    expect(await cluster.members(T + MEMBER_LIVE_MS)).toMatchObject([
      { id: 'a', url: 'http://127.0.0.1:3', heartbeatAt: T + 10_000 },
      { id: 'b' },
    ]);
    await cluster.leave('a');
    expect((await cluster.members(T + 10_000)).map((m) => m.id)).toEqual(['b']);
  });

  it('cluster: acquire takes a free shard, refuses a held one, takes an expired one with epoch + 1', async () => {
    const { cluster } = ctx.store;
    expect(await cluster.leases()).toEqual([]);
    expect(await cluster.acquire(3, 'a', T, TTL)).toBe(true);
    expect(await cluster.leases()).toEqual([{ shard: 3, owner: 'a', expiresAt: T + TTL, epoch: 1 }]);
    expect(await cluster.acquire(3, 'b', T + TTL - 1, TTL)).toBe(false);
    // Already mine: extended, same epoch.
    expect(await cluster.acquire(3, 'a', T + 1000, TTL)).toBe(true);
    expect(await cluster.leases()).toEqual([{ shard: 3, owner: 'a', expiresAt: T + 1000 + TTL, epoch: 1 }]);
    expect(await cluster.acquire(3, 'b', T + 1000 + TTL, TTL)).toBe(true);
    expect(await cluster.leases()).toEqual([
      { shard: 3, owner: 'b', expiresAt: T + 1000 + 2 * TTL, epoch: 2 },
    ]);
  });

  it('cluster: acquireMany takes what is free or expired and leaves what others hold', async () => {
    const { cluster } = ctx.store;
    expect(await cluster.acquireMany([1, 2], 'a', T, TTL)).toEqual([1, 2]);
    expect(await cluster.acquireMany([0, 1, 2, 3], 'b', T + 1, TTL)).toEqual([0, 3]);
    expect(await cluster.acquireMany([], 'b', T, TTL)).toEqual([]);
    const owners = (await cluster.leases()).map((l) => [l.shard, l.owner]);
    expect(owners).toEqual([
      [0, 'b'],
      [1, 'a'],
      [2, 'a'],
      [3, 'b'],
    ]);
  });

  it('cluster: renew extends only what the owner still holds; release frees at once', async () => {
    const { cluster } = ctx.store;
    await cluster.acquireMany([1, 2, 3], 'a', T, TTL);
    // Shard 2 expired and was taken by b.
    expect(await cluster.acquire(2, 'b', T + TTL, TTL)).toBe(true);
    expect(await cluster.renew('a', [1, 2, 3], T + TTL, TTL)).toEqual([1, 3]);
    expect((await cluster.leases()).find((l) => l.shard === 1)).toEqual({
      shard: 1,
      owner: 'a',
      expiresAt: T + 2 * TTL,
      epoch: 1,
    });
    expect(await cluster.renew('a', [], T, TTL)).toEqual([]);
    await cluster.release('a', [1, 2]);
    // b's shard 2 is untouched; a's shard 1 is free now for anyone.
    expect((await cluster.leases()).find((l) => l.shard === 2)).toMatchObject({
      owner: 'b',
      expiresAt: T + 2 * TTL,
    });
    expect(await cluster.acquire(1, 'b', T + TTL + 1, TTL)).toBe(true);
    expect((await cluster.leases()).find((l) => l.shard === 1)).toMatchObject({ owner: 'b', epoch: 2 });
  });

  it('cluster: leave releases every lease of the member', async () => {
    const { cluster } = ctx.store;
    await cluster.heartbeat({ id: 'a', url: 'http://127.0.0.1:1', startedAt: T }, T);
    await cluster.acquireMany([4, 5], 'a', T, TTL);
    await cluster.acquire(6, 'b', T, TTL);
    await cluster.leave('a');
    expect(await cluster.members(T)).toEqual([]);
    expect(await cluster.acquireMany([4, 5, 6], 'c', T + 1, TTL)).toEqual([4, 5]);
  });
}
