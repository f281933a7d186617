// Membership and shard leases of the collectors sharing one store (ARCHITECTURE.md "Cluster").
// Every collector is a member with a heartbeat; a monitor belongs to shard `historyId %
// SHARD_COUNT`, and a collector schedules the monitors of the shards it holds a lease on. Leases
// are taken by compare-and-set, so two collectors racing for one shard never both win.

/** Shards monitors are spread over; a monitor's shard is `historyId % SHARD_COUNT`. */
export const SHARD_COUNT = 64;
/** A member is live while its last heartbeat is younger than this (ms). */
export const MEMBER_LIVE_MS = 15_000;

export function shardOf(historyId: number): number {
  return historyId % SHARD_COUNT;
}

/** What a member says about itself at every heartbeat. */
export interface MemberAnnouncement {
  /** Random per process (a uuid made at start). */
  id: string;
  /** Where other collectors reach it (VIGIL_ADVERTISE_URL). */
  url: string;
  startedAt: number;
}

export interface ClusterMember extends MemberAnnouncement {
  heartbeatAt: number;
}

export interface ShardLease {
  shard: number;
  /** Member id of the holder (kept after release or expiry, until another member takes it). */
  owner: string;
  /** The lease holds until then (ms); 0 once released. */
  expiresAt: number;
  /** Grows by one at every change of owner (a fencing token). */
  epoch: number;
}

export interface ClusterStore {
  /** The database engine behind the store (for /readyz). */
  readonly engine: 'sqlite' | 'postgres';
  /**
   * Whether several collector processes may share this store (PostgreSQL). When false (the
   * embedded SQLite file), the one collector holds every shard whatever the lease rows say.
   */
  readonly shared: boolean;
  /** Creates or refreshes the member's row (heartbeat_at = now). */
  heartbeat(member: MemberAnnouncement, now: number): Promise<void>;
  /** Members whose heartbeat is younger than MEMBER_LIVE_MS at `now`, by id. */
  members(now: number): Promise<ClusterMember[]>;
  /** Every lease row, by shard (shards never leased have none). */
  leases(): Promise<ShardLease[]>;
  /**
   * Compare-and-set: `owner` gets `shard` until `now + ttlMs` when it is free, expired at `now`,
   * or already its own. The epoch grows when the owner changes. True when `owner` holds it now.
   */
  acquire(shard: number, owner: string, now: number, ttlMs: number): Promise<boolean>;
  /** `acquire` of several shards in one round trip; returns the shards `owner` holds now. */
  acquireMany(shards: readonly number[], owner: string, now: number, ttlMs: number): Promise<number[]>;
  /** Extends the leases `owner` still holds among `shards`; returns those (a shard taken by another is not). */
  renew(owner: string, shards: readonly number[], now: number, ttlMs: number): Promise<number[]>;
  /** Frees `owner`'s leases among `shards` at once (others may take them without waiting). */
  release(owner: string, shards: readonly number[]): Promise<void>;
  /** A graceful leave: every lease of the member is released and its row deleted. */
  leave(memberId: string): Promise<void>;
}
