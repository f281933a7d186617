// What one collector does with the shard leases at one moment: pure in `now`, the live members and
// the lease rows (ARCHITECTURE.md "Cluster"). Fair share = ceil(shards / live members): a member
// over it releases the excess (a newcomer gets work), one under it takes free or expired shards,
// starting at a place of its own in the ring so members starting together rarely race for the
// same ones. Leases of a member that died are taken once they expire, never before. A member's own
// lease counts as held even past its expiry while nobody took it (it was cut off from the store,
// and kept scheduling: collector/cluster/membership.ts); a released one (expiry 0) does not.
import { type ClusterMember, SHARD_COUNT, type ShardLease } from '../store/cluster-types.ts';

/** Lease time-to-live and renewal period (ms). */
export const LEASE_TTL_MS = 15_000;
export const RENEW_EVERY_MS = 5_000;

export interface PlanInput {
  now: number;
  me: string;
  /** Live members (the store's `members(now)`); `me` counts even when missing. */
  members: readonly Pick<ClusterMember, 'id'>[];
  leases: readonly ShardLease[];
  shardCount?: number;
  /**
   * Take no free or expired shard this time (the first round after the store failed to answer:
   * other members' heartbeats may look stale only because the database was away).
   */
  takeNothing?: boolean;
}

export interface ShardPlan {
  /** Shards this member should hold: ceil(shards / live members). */
  share: number;
  /** Held (unexpired) leases to extend. */
  renew: number[];
  /** Held leases to give up (over the share), after their monitors are flushed. */
  release: number[];
  /** Free or expired shards to try to take. */
  acquire: number[];
}

/** A stable number for a member id (FNV-1a), to spread where members start looking. */
function spread(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function planShards(input: PlanInput): ShardPlan {
  const { now, me } = input;
  const count = input.shardCount ?? SHARD_COUNT;
  const live = new Set(input.members.map((m) => m.id));
  live.add(me);
  const share = Math.ceil(count / live.size);
  const byShard = new Map(input.leases.map((l) => [l.shard, l]));
  const held: number[] = [];
  const free: number[] = [];
  const start = spread(me) % count;
  for (let k = 0; k < count; k++) {
    const shard = (start + k) % count;
    const lease = byShard.get(shard);
    if (lease !== undefined && lease.owner === me && lease.expiresAt > 0) held.push(shard);
    else if (lease === undefined || lease.expiresAt <= now) free.push(shard);
  }
  // Keep the first of the ring from my start; give up the rest.
  const keep = held.slice(0, share);
  const release = held.slice(share);
  const acquire = input.takeNothing ? [] : free.slice(0, Math.max(0, share - keep.length));
  const asc = (a: number, b: number) => a - b;
  return { share, renew: keep.sort(asc), release: release.sort(asc), acquire: acquire.sort(asc) };
}
