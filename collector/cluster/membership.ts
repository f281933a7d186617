// This collector as a member of the cluster sharing its store (ARCHITECTURE.md "Cluster"): every
// RENEW_EVERY_MS it heartbeats, reads the members and leases, plans (planner.ts) and applies the
// plan: shards to give up are first dropped from the schedule (their state flushed, through
// `onChange`) and then released; held ones renewed; free ones taken. `ownedShards()` is what the
// engine may schedule. The first round runs inside start(), so a lone collector schedules from its
// first tick.
//
// Only an answer of the store takes a shard away: a renewal that leaves it out (another member
// took it), or a flush fenced on it (`lost`). A round that fails (the database unreachable or
// erroring) is no answer: the shards held stay scheduled, their writes wait in the engine's
// bounded buffer, and every flush carries `fence()` (owner and epoch per shard) so that the store
// writes verdict state and incidents only for leases still held (checks always). The round after a
// failure takes no new shard: after an outage of the whole database every member's heartbeat
// looks stale, and each first takes back its own leases instead of everyone's.
//
// A store that is not `shared` (the embedded SQLite file, one collector) gives every shard to its
// one member whatever happens to the rows: a failing disk must not stop the monitoring.
import type { Logger } from '../../common/log.ts';
import type { TimerHandle, Timers } from '../../common/timers.ts';
import { type ClusterStore, type MemberAnnouncement, SHARD_COUNT, shardOf } from '../store/cluster-types.ts';
import type { FlushFence } from '../store/runtime-types.ts';
import { LEASE_TTL_MS, planShards, RENEW_EVERY_MS } from './planner.ts';

export interface ShardChange {
  owned: ReadonlySet<number>;
  gained: number[];
  lost: number[];
}

export interface MembershipOptions {
  store: ClusterStore;
  self: MemberAnnouncement;
  clock: () => number;
  timers: Timers;
  log: Logger;
  renewEveryMs?: number;
  ttlMs?: number;
  /** Called (and awaited, one at a time) when the schedulable shards change. */
  onChange?: (change: ShardChange) => Promise<void> | void;
  /** Called after every round (the runtime catches up with syncs made at other collectors). */
  onRound?: () => void;
}

export interface MembershipStats {
  shardsHeld: number;
  members: number;
  /** Seconds since the last successful renewal round (null before the first). */
  renewLagSeconds: number | null;
}

const ALL = Array.from({ length: SHARD_COUNT }, (_, i) => i);

export class Membership {
  readonly #o: MembershipOptions;
  readonly #ttl: number;
  /** Leases this member holds, with the epoch they had when it took or last renewed them. */
  readonly #held = new Map<number, number>();
  /**
   * Epochs of shards whose writes may still be buffered here: the held ones and those being
   * released (their state is flushed before the release), for the flush's fence.
   */
  readonly #epochs = new Map<number, number>();
  #owned: ReadonlySet<number>;
  #members = 0;
  #lastRenewAt: number | null = null;
  /** The last round failed (no answer from the store): the next one takes no new shard. */
  #failed = false;
  #timer: TimerHandle | null = null;
  #round: Promise<void> = Promise.resolve();
  #changes: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: MembershipOptions) {
    this.#o = options;
    this.#ttl = options.ttlMs ?? LEASE_TTL_MS;
    this.#owned = options.store.shared ? new Set() : new Set(ALL);
  }

  get id(): string {
    return this.#o.self.id;
  }

  /** The first round runs now; then one every renewEveryMs. */
  async start(): Promise<void> {
    await this.#run();
  }

  /** Stops the rounds, gives up every shard and leaves (call after the engine flushed). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#clear();
    await this.#round;
    this.#held.clear();
    this.#epochs.clear();
    await this.#o.store
      .leave(this.#o.self.id)
      .catch((error: unknown) => this.#o.log.warn({ err: error }, 'cluster: leave failed'));
  }

  ownedShards(): ReadonlySet<number> {
    return this.#owned;
  }

  owns(historyId: number): boolean {
    return this.#owned.has(shardOf(historyId));
  }

  /**
   * What every flush checks in its transaction (shared stores only): this member and the epoch of
   * each shard it may have writes buffered for. Null: no check (one collector holds everything).
   */
  fence(): FlushFence | null {
    if (!this.#o.store.shared) return null;
    return { member: this.#o.self.id, epochs: new Map(this.#epochs) };
  }

  /** The store fenced writes of these shards (another member holds them now): drop them at once. */
  lost(shards: readonly number[]): Promise<void> {
    let changed = false;
    for (const shard of shards) {
      changed = this.#held.delete(shard) || changed;
      this.#epochs.delete(shard);
    }
    return changed ? this.#update() : Promise.resolve();
  }

  stats(): MembershipStats {
    const now = this.#o.clock();
    return {
      shardsHeld: this.#owned.size,
      members: this.#members,
      renewLagSeconds: this.#lastRenewAt === null ? null : Math.max(0, now - this.#lastRenewAt) / 1000,
    };
  }

  #clear(): void {
    if (this.#timer !== null) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #run(): Promise<void> {
    const round = this.#round.then(() => this.#roundOnce());
    this.#round = round.catch(() => undefined);
    return round;
  }

  async #roundOnce(): Promise<void> {
    if (this.#stopped) return;
    const { store, self, clock, log } = this.#o;
    const now = clock();
    try {
      await store.heartbeat(self, now);
      const [members, leases] = await Promise.all([store.members(now), store.leases()]);
      this.#members = Math.max(1, members.length);
      const plan = planShards({ now, me: self.id, members, leases, takeNothing: this.#failed });
      const epochOf = new Map(leases.map((l) => [l.shard, l.epoch]));
      if (plan.release.length > 0) {
        // Off the schedule (state flushed) before another member may take them.
        for (const shard of plan.release) this.#held.delete(shard);
        await this.#update();
        await store.release(self.id, plan.release);
        for (const shard of plan.release) this.#epochs.delete(shard);
      }
      const renewed = new Set(await store.renew(self.id, plan.renew, now, this.#ttl));
      const acquired = await store.acquireMany(plan.acquire, self.id, now, this.#ttl);
      // A shard taken from another member got a new epoch: read it back (rare: only on a move).
      const taken = acquired.filter((shard) => leases.find((l) => l.shard === shard)?.owner !== self.id);
      if (taken.length > 0) for (const l of await store.leases()) epochOf.set(l.shard, l.epoch);
      const holds = new Set([...renewed, ...acquired]);
      for (const shard of [...this.#held.keys()]) if (!holds.has(shard)) this.#held.delete(shard);
      for (const shard of [...this.#epochs.keys()]) if (!holds.has(shard)) this.#epochs.delete(shard);
      for (const shard of holds) {
        const epoch = epochOf.get(shard) ?? 1;
        this.#held.set(shard, epoch);
        this.#epochs.set(shard, epoch);
      }
      this.#lastRenewAt = now;
      this.#failed = false;
    } catch (error) {
      // No answer about the leases: keep scheduling what is held (see the top of this file).
      if (!this.#failed)
        log.warn(
          { err: error, held: this.#held.size },
          'cluster: lease round failed; keeping the shards held',
        );
      this.#failed = true;
    }
    await this.#update();
    this.#o.onRound?.();
    if (!this.#stopped) {
      this.#timer = this.#o.timers.setTimeout(() => {
        this.#timer = null;
        void this.#run();
      }, this.#o.renewEveryMs ?? RENEW_EVERY_MS);
    }
  }

  /** Recomputes the schedulable shards; tells `onChange` what moved. */
  #update(): Promise<void> {
    const run = this.#changes.then(() => this.#apply());
    this.#changes = run.catch(() => undefined);
    return run;
  }

  async #apply(): Promise<void> {
    if (!this.#o.store.shared) return;
    const owned = new Set(this.#held.keys());
    const before = this.#owned;
    const gained = [...owned].filter((s) => !before.has(s)).sort((a, b) => a - b);
    const lost = [...before].filter((s) => !owned.has(s)).sort((a, b) => a - b);
    if (gained.length === 0 && lost.length === 0) return;
    this.#owned = owned;
    this.#o.log.info({ member: this.#o.self.id, held: owned.size, gained, lost }, 'cluster: shards moved');
    try {
      await this.#o.onChange?.({ owned, gained, lost });
    } catch (error) {
      this.#o.log.error({ err: error }, 'cluster: applying a shard change failed');
    }
  }
}
