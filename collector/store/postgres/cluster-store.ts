// Members and shard leases in PostgreSQL, the store several collectors share (ARCHITECTURE.md
// "Cluster"). Each operation is one statement in its own transaction on any pooled connection,
// outside the store's serialized write queue: a lease renewal must not wait behind a long flush.
// Acquire is an INSERT ... ON CONFLICT DO UPDATE ... WHERE: a second collector racing for the same
// shard waits for the first's row lock, then sees the lease it wrote (unexpired, not its own) and
// takes nothing. Times are the callers' clocks (ms); a lease is expired when expires_at <= now.
import {
  type ClusterMember,
  type ClusterStore,
  MEMBER_LIVE_MS,
  type MemberAnnouncement,
  type ShardLease,
} from '../cluster-types.ts';
import type { PgDatabase } from './database.ts';

export const CLUSTER_SQL = `
  CREATE TABLE cluster_members (
    member_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
  );
  CREATE TABLE shard_leases (
    shard INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    epoch BIGINT NOT NULL
  );
`;

interface MemberRow {
  member_id: string;
  url: string;
  started_at: number;
  heartbeat_at: number;
}

interface LeaseRow {
  shard: number;
  owner: string;
  expires_at: number;
  epoch: number;
}

const ACQUIRE = `
  INSERT INTO shard_leases AS l (shard, owner, expires_at, epoch)
    SELECT s, $2, $3, 1 FROM unnest($1::int[]) AS s
  ON CONFLICT (shard) DO UPDATE SET
    owner = excluded.owner,
    expires_at = excluded.expires_at,
    epoch = l.epoch + CASE WHEN l.owner = excluded.owner THEN 0 ELSE 1 END
  WHERE l.owner = excluded.owner OR l.expires_at <= $4
  RETURNING shard`;

export class PgClusterStore implements ClusterStore {
  readonly engine = 'postgres';
  readonly shared = true;
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async heartbeat(member: MemberAnnouncement, now: number): Promise<void> {
    await this.#db.reader.all(
      `INSERT INTO cluster_members (member_id, url, started_at, heartbeat_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (member_id) DO UPDATE SET url = excluded.url, heartbeat_at = excluded.heartbeat_at`,
      [member.id, member.url, member.startedAt, now],
    );
  }

  async members(now: number): Promise<ClusterMember[]> {
    const rows = await this.#db.reader.all<MemberRow>(
      'SELECT * FROM cluster_members WHERE heartbeat_at > $1 ORDER BY member_id',
      [now - MEMBER_LIVE_MS],
    );
    return rows.map((r) => ({
      id: r.member_id,
      url: r.url,
      startedAt: r.started_at,
      heartbeatAt: r.heartbeat_at,
    }));
  }

  async leases(): Promise<ShardLease[]> {
    const rows = await this.#db.reader.all<LeaseRow>('SELECT * FROM shard_leases ORDER BY shard');
    return rows.map((r) => ({ shard: r.shard, owner: r.owner, expiresAt: r.expires_at, epoch: r.epoch }));
  }

  async acquire(shard: number, owner: string, now: number, ttlMs: number): Promise<boolean> {
    return (await this.acquireMany([shard], owner, now, ttlMs)).length > 0;
  }

  async acquireMany(shards: readonly number[], owner: string, now: number, ttlMs: number): Promise<number[]> {
    if (shards.length === 0) return [];
    // Shards in order: two collectors taking overlapping sets lock rows in the same order.
    const sorted = [...new Set(shards)].sort((a, b) => a - b);
    const rows = await this.#db.reader.all<{ shard: number }>(ACQUIRE, [sorted, owner, now + ttlMs, now]);
    return rows.map((r) => r.shard).sort((a, b) => a - b);
  }

  async renew(owner: string, shards: readonly number[], now: number, ttlMs: number): Promise<number[]> {
    if (shards.length === 0) return [];
    const rows = await this.#db.reader.all<{ shard: number }>(
      'UPDATE shard_leases SET expires_at = $1 WHERE owner = $2 AND shard = ANY($3::int[]) RETURNING shard',
      [now + ttlMs, owner, [...shards]],
    );
    return rows.map((r) => r.shard).sort((a, b) => a - b);
  }

  async release(owner: string, shards: readonly number[]): Promise<void> {
    if (shards.length === 0) return;
    await this.#db.reader.all(
      'UPDATE shard_leases SET expires_at = 0 WHERE owner = $1 AND shard = ANY($2::int[])',
      [owner, [...shards]],
    );
  }

  async leave(memberId: string): Promise<void> {
    await this.#db.reader.all(
      `WITH freed AS (UPDATE shard_leases SET expires_at = 0 WHERE owner = $1)
       DELETE FROM cluster_members WHERE member_id = $1`,
      [memberId],
    );
  }
}
