// This collector as a member of the cluster sharing its store (ARCHITECTURE.md "Cluster"): every
// RENEW_EVERY_MS it heartbeats, reads the members and leases, plans (planner.ts) and applies the
// plan: shards to give up are first dropped from the schedule (their state flushed, through
// `onChange`) and then released; held ones renewed; free ones taken. `ownedShards()` is what the
// engine may schedule: held leases short of their fence. A lease not renewed by FENCE_MS before it
// expires is dropped by a timer of its own, even while a round hangs on an unreachable database.
// The first round runs inside start(), so a lone collector schedules from its first tick.
//
// A store that is not `shared` (the embedded SQLite file, one collector) gives every shard to its
// one member whatever happens to the rows: a failing disk must not stop the monitoring.
import type { Logger } from '../../common/log.ts';
import type { TimerHandle, Timers } from '../../common/timers.ts';
import { type ClusterStore, type MemberAnnouncement, SHARD_COUNT, shardOf } from '../store/cluster-types.ts';
import { FENCE_MS, LEASE_TTL_MS, nextFence, planShards, RENEW_EVERY_MS, schedulable } from './planner.ts';

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
  fenceMs?: number;
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
  readonly #fence: number;
  /** Leases this member holds, with their expiry as it set them (its own clock). */
  readonly #held = new Map<number, number>();
  #owned: ReadonlySet<number>;
  #members = 0;
  #lastRenewAt: number | null = null;
  #timer: TimerHandle | null = null;
  #fenceTimer: TimerHandle | null = null;
  #round: Promise<void> = Promise.resolve();
  #changes: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: MembershipOptions) {
    this.#o = options;
    this.#ttl = options.ttlMs ?? LEASE_TTL_MS;
    this.#fence = options.fenceMs ?? FENCE_MS;
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
    if (this.#fenceTimer !== null) this.#o.timers.clearTimeout(this.#fenceTimer);
    this.#timer = null;
    this.#fenceTimer = null;
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
      const plan = planShards({ now, me: self.id, members, leases });
      if (plan.release.length > 0) {
        // Off the schedule (state flushed) before another member may take them.
        for (const shard of plan.release) this.#held.delete(shard);
        await this.#update();
        await store.release(self.id, plan.release);
      }
      const renewed = new Set(await store.renew(self.id, plan.renew, now, this.#ttl));
      for (const shard of plan.renew) {
        if (renewed.has(shard)) this.#held.set(shard, now + this.#ttl);
        else this.#held.delete(shard);
      }
      for (const shard of [...this.#held.keys()]) {
        if (!plan.renew.includes(shard) && !plan.acquire.includes(shard)) this.#held.delete(shard);
      }
      for (const shard of await store.acquireMany(plan.acquire, self.id, now, this.#ttl)) {
        this.#held.set(shard, now + this.#ttl);
      }
      this.#lastRenewAt = now;
    } catch (error) {
      log.warn({ err: error }, 'cluster: lease round failed');
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

  /** Recomputes the schedulable shards; tells `onChange` what moved; arms the fence timer. */
  #update(): Promise<void> {
    const run = this.#changes.then(() => this.#apply());
    this.#changes = run.catch(() => undefined);
    return run;
  }

  async #apply(): Promise<void> {
    if (!this.#o.store.shared) return;
    const now = this.#o.clock();
    const owned = schedulable(this.#held, now, this.#fence);
    if (this.#fenceTimer !== null) this.#o.timers.clearTimeout(this.#fenceTimer);
    this.#fenceTimer = null;
    const next = nextFence(this.#held, now, this.#fence);
    if (next !== null && !this.#stopped) {
      this.#fenceTimer = this.#o.timers.setTimeout(() => {
        this.#fenceTimer = null;
        void this.#update();
      }, next - now);
    }
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
