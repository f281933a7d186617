// Members and shard leases in the SQLite file. The file has one collector (not `shared`): it takes
// every shard at start and renews them, so the rows tell the truth; nothing is fenced on them.
import {
  type ClusterMember,
  type ClusterStore,
  MEMBER_LIVE_MS,
  type MemberAnnouncement,
  type ShardLease,
} from '../cluster-types.ts';
import type { SqliteDatabase, WriteTx } from './database.ts';

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

const marks = (n: number) => Array(n).fill('?').join(',');

async function acquireIn(tx: WriteTx, shard: number, owner: string, now: number, ttlMs: number) {
  const rows = await tx.all<{ shard: number }>(
    `INSERT INTO shard_leases (shard, owner, expires_at, epoch) VALUES (?, ?, ?, 1)
     ON CONFLICT (shard) DO UPDATE SET
       epoch = epoch + (owner <> excluded.owner),
       owner = excluded.owner,
       expires_at = excluded.expires_at
     WHERE owner = excluded.owner OR expires_at <= ?
     RETURNING shard`,
    [shard, owner, now + ttlMs, now],
  );
  return rows.length > 0;
}

export class SqliteClusterStore implements ClusterStore {
  readonly engine = 'sqlite';
  readonly shared = false;
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async heartbeat(member: MemberAnnouncement, now: number): Promise<void> {
    await this.#db.write((tx) =>
      tx.run(
        `INSERT INTO cluster_members (member_id, url, started_at, heartbeat_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (member_id) DO UPDATE SET url = excluded.url, heartbeat_at = excluded.heartbeat_at`,
        [member.id, member.url, member.startedAt, now],
      ),
    );
  }

  async members(now: number): Promise<ClusterMember[]> {
    const rows = await this.#db.reader.all<MemberRow>(
      'SELECT * FROM cluster_members WHERE heartbeat_at > ? ORDER BY member_id',
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

  acquire(shard: number, owner: string, now: number, ttlMs: number): Promise<boolean> {
    return this.#db.write((tx) => acquireIn(tx, shard, owner, now, ttlMs));
  }

  acquireMany(shards: readonly number[], owner: string, now: number, ttlMs: number): Promise<number[]> {
    if (shards.length === 0) return Promise.resolve([]);
    return this.#db.write(async (tx) => {
      const won: number[] = [];
      for (const shard of shards) if (await acquireIn(tx, shard, owner, now, ttlMs)) won.push(shard);
      return won;
    });
  }

  async renew(owner: string, shards: readonly number[], now: number, ttlMs: number): Promise<number[]> {
    if (shards.length === 0) return [];
    const rows = await this.#db.write((tx) =>
      tx.all<{ shard: number }>(
        `UPDATE shard_leases SET expires_at = ? WHERE owner = ? AND shard IN (${marks(shards.length)})
         RETURNING shard`,
        [now + ttlMs, owner, ...shards],
      ),
    );
    return rows.map((r) => r.shard).sort((a, b) => a - b);
  }

  async release(owner: string, shards: readonly number[]): Promise<void> {
    if (shards.length === 0) return;
    await this.#db.write((tx) =>
      tx.run(
        `UPDATE shard_leases SET expires_at = 0 WHERE owner = ? AND shard IN (${marks(shards.length)})`,
        [owner, ...shards],
      ),
    );
  }

  async leave(memberId: string): Promise<void> {
    await this.#db.write(async (tx) => {
      await tx.run('UPDATE shard_leases SET expires_at = 0 WHERE owner = ?', [memberId]);
      await tx.run('DELETE FROM cluster_members WHERE member_id = ?', [memberId]);
    });
  }
}
