// The shard planner as tables: fair share, rebalance on join, takeover only after expiry, own
// leases kept past their expiry while nobody took them, and the round after a store failure that
// takes nothing new, all pure in `now` (no clock, no sleeping).
import { describe, expect, it } from 'vitest';
import { planShards } from '../../collector/cluster/planner.ts';
import type { ShardLease } from '../../collector/store/cluster-types.ts';

const NOW = 1_000_000;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const held = (owner: string, shards: number[], expiresAt = NOW + 10_000): ShardLease[] =>
  shards.map((shard) => ({ shard, owner, expiresAt, epoch: 1 }));
const members = (...ids: string[]) => ids.map((id) => ({ id }));

describe('planShards', () => {
  const cases: Array<{
    name: string;
    me: string;
    members: string[];
    leases: ShardLease[];
    share: number;
    renew?: number[];
    release?: number[];
    acquire?: number[];
    acquireCount?: number;
  }> = [
    {
      name: 'alone on an empty table: takes all 64 at once',
      me: 'a',
      members: [],
      leases: [],
      share: 64,
      renew: [],
      release: [],
      acquire: range(0, 64),
    },
    {
      name: 'alone holding everything: renews all',
      me: 'a',
      members: ['a'],
      leases: held('a', range(0, 64)),
      share: 64,
      renew: range(0, 64),
      release: [],
      acquire: [],
    },
    {
      name: 'a second member joins: the holder releases 32',
      me: 'a',
      members: ['a', 'b'],
      leases: held('a', range(0, 64)),
      share: 32,
      release: undefined,
      acquire: [],
    },
    {
      name: 'the newcomer takes nothing held, only what is free',
      me: 'b',
      members: ['a', 'b'],
      leases: [...held('a', range(0, 32)), ...held('a', range(32, 64), 0)],
      share: 32,
      renew: [],
      release: [],
      acquire: range(32, 64),
    },
    {
      name: 'three members: share 22, a holder of 32 gives 10 back',
      me: 'a',
      members: ['a', 'b', 'c'],
      leases: [...held('a', range(0, 32)), ...held('b', range(32, 64))],
      share: 22,
      acquire: [],
    },
    {
      name: 'a dead member’s leases are not taken before they expire',
      me: 'a',
      members: ['a'],
      leases: [...held('a', range(0, 32)), ...held('b', range(32, 64), NOW + 1)],
      share: 64,
      renew: range(0, 32),
      release: [],
      acquire: [],
    },
    {
      name: '... and are taken once expired (expiresAt <= now)',
      me: 'a',
      members: ['a'],
      leases: [...held('a', range(0, 32)), ...held('b', range(32, 64), NOW)],
      share: 64,
      renew: range(0, 32),
      release: [],
      acquire: range(32, 64),
    },
    {
      name: 'my own expired lease nobody took is renewed (I kept scheduling it while cut off)',
      me: 'a',
      members: ['a'],
      leases: held('a', [5], NOW - 1),
      share: 64,
      renew: [5],
      acquire: range(0, 64).filter((s) => s !== 5),
    },
    {
      name: 'my own released lease (expiry 0) is free like any other',
      me: 'a',
      members: ['a'],
      leases: held('a', [5], 0),
      share: 64,
      renew: [],
      acquire: range(0, 64),
    },
    {
      name: 'under share with few free: takes only what is free',
      me: 'c',
      members: ['a', 'b', 'c'],
      leases: [...held('a', range(0, 22)), ...held('b', range(22, 44)), ...held('b', range(44, 54), NOW - 5)],
      share: 22,
      renew: [],
      acquireCount: 20,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planShards({ now: NOW, me: c.me, members: members(...c.members), leases: c.leases });
      expect(plan.share).toBe(c.share);
      if (c.renew !== undefined) expect(plan.renew).toEqual(c.renew);
      if (c.release !== undefined) expect(plan.release).toEqual(c.release);
      if (c.acquire !== undefined) expect(plan.acquire).toEqual(c.acquire);
      if (c.acquireCount !== undefined) expect(plan.acquire).toHaveLength(c.acquireCount);
      // Whatever the case: never more than the share kept and taken, never a shard held by another.
      // Mine: my leases not released (expired ones too, while nobody took them).
      const mine = new Set(c.leases.filter((l) => l.owner === c.me && l.expiresAt > 0).map((l) => l.shard));
      expect(plan.renew.length + plan.acquire.length).toBeLessThanOrEqual(plan.share);
      expect([...plan.renew, ...plan.release].every((s) => mine.has(s))).toBe(true);
      expect(plan.renew.length + plan.release.length).toBe(mine.size);
      for (const s of plan.acquire) {
        const lease = c.leases.find((l) => l.shard === s);
        expect(lease === undefined || lease.expiresAt <= NOW).toBe(true);
      }
    });
  }

  it('a holder over its share keeps exactly the share (rebalance on join)', () => {
    const plan = planShards({
      now: NOW,
      me: 'a',
      members: members('a', 'b'),
      leases: held('a', range(0, 64)),
    });
    expect(plan.renew).toHaveLength(32);
    expect(plan.release).toHaveLength(32);
    expect([...plan.renew, ...plan.release].sort((x, y) => x - y)).toEqual(range(0, 64));
  });

  it('members starting together look from different places of the ring', () => {
    const firsts = new Set(
      ['a', 'b', 'c', 'd'].map(
        (me) => planShards({ now: NOW, me, members: members('a', 'b', 'c', 'd'), leases: [] }).acquire[0],
      ),
    );
    expect(firsts.size).toBeGreaterThan(1);
  });
});

describe('the round after a store failure', () => {
  it('renews its own leases, expired or not, and takes nothing else (heartbeats look stale)', () => {
    const leases = [...held('a', range(0, 32), NOW - 40_000), ...held('b', range(32, 64), NOW - 40_000)];
    const plan = planShards({ now: NOW, me: 'a', members: members('a'), leases, takeNothing: true });
    expect(plan.renew).toEqual(range(0, 32));
    expect(plan.acquire).toEqual([]);
    expect(plan.release).toEqual([]);
    // The same view in an ordinary round takes b's expired shards.
    expect(planShards({ now: NOW, me: 'a', members: members('a'), leases }).acquire).toEqual(range(32, 64));
  });
});
