// The runner registry: sessions, liveness and per-runner figures. In memory (the engine persists
// registrations and last-seen times through its write-behind buffer), restored at start so
// sessions survive a collector restart.
//
// Liveness: a runner is online while it was seen (register, claim, results, heartbeat) within
// `offlineAfter` (45 s). A region is live while at least one of its runners is online.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { RegisterRequest } from '../../runner/protocol.ts';
import type { RunnerRecord } from '../store/runtime-types.ts';
import { MinuteRate } from './rate.ts';

export const OFFLINE_AFTER = 45_000;
/** A runner silent this long is forgotten (its session ends; GET /v1/runners stops listing it). */
export const FORGET_AFTER = 24 * 3600_000;
/** last_seen is persisted at most this often per runner (the live value is in memory). */
const PERSIST_SEEN_EVERY = 10_000;

export interface RunnerSession extends RunnerRecord {
  /** As the runner last reported (heartbeat or claim). */
  reportedInFlight: number;
  reportedFree: number;
  /** Jobs leased to it and not answered yet (the collector's own count). */
  leased: number;
  checks: MinuteRate;
  online: boolean;
  /** When the record was last handed to storage, and what lastSeen was then. */
  persistedSeen: number;
  dirty: boolean;
}

export interface RunnerView {
  id: string;
  region: string;
  name: string;
  version: string;
  embedded: boolean;
  concurrency: number;
  registeredAt: number;
  lastSeen: number;
  online: boolean;
  inFlight: number;
  free: number;
  checksPerMinute: number;
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface RegistryOptions {
  clock: () => number;
  offlineAfter?: number;
  forgetAfter?: number;
}

export class RunnerRegistry {
  readonly #clock: () => number;
  readonly offlineAfter: number;
  readonly forgetAfter: number;
  readonly #byId = new Map<string, RunnerSession>();
  readonly #byToken = new Map<string, RunnerSession>();

  constructor(options: RegistryOptions) {
    this.#clock = options.clock;
    this.offlineAfter = options.offlineAfter ?? OFFLINE_AFTER;
    this.forgetAfter = options.forgetAfter ?? FORGET_AFTER;
  }

  /** Sessions stored by an earlier run; online only if seen recently. */
  restore(records: readonly RunnerRecord[]): void {
    const now = this.#clock();
    for (const r of records) {
      if (r.deregisteredAt !== null) continue;
      if (r.embedded) {
        // The embedded runner of the previous process: this one registers its own.
        this.#byId.set(r.id, {
          ...r,
          deregisteredAt: now,
          reportedInFlight: 0,
          reportedFree: 0,
          leased: 0,
          checks: new MinuteRate(),
          online: false,
          persistedSeen: r.lastSeen,
          dirty: true,
        });
        continue;
      }
      const session: RunnerSession = {
        ...r,
        reportedInFlight: 0,
        reportedFree: r.concurrency,
        leased: 0,
        checks: new MinuteRate(),
        online: now - r.lastSeen < this.offlineAfter,
        persistedSeen: r.lastSeen,
        dirty: false,
      };
      this.#byId.set(r.id, session);
      this.#byToken.set(r.tokenHash, session);
    }
  }

  register(request: RegisterRequest, embedded: boolean): { session: RunnerSession; token: string } {
    const now = this.#clock();
    const token = `vigil_rs_${randomBytes(32).toString('base64url')}`;
    const session: RunnerSession = {
      id: `${request.region}-${randomUUID().slice(0, 8)}`,
      region: request.region,
      name: request.name,
      version: request.version,
      concurrency: request.concurrency,
      embedded,
      tokenHash: hashSessionToken(token),
      registeredAt: now,
      lastSeen: now,
      deregisteredAt: null,
      reportedInFlight: 0,
      reportedFree: request.concurrency,
      leased: 0,
      checks: new MinuteRate(),
      online: true,
      persistedSeen: now,
      dirty: true,
    };
    this.#byId.set(session.id, session);
    this.#byToken.set(session.tokenHash, session);
    return { session, token };
  }

  /** The session of a token, or undefined (unknown, deregistered). */
  byToken(token: string): RunnerSession | undefined {
    return this.#byToken.get(hashSessionToken(token));
  }

  get(id: string): RunnerSession | undefined {
    return this.#byId.get(id);
  }

  touch(session: RunnerSession): void {
    const now = this.#clock();
    session.lastSeen = Math.max(session.lastSeen, now);
    session.online = true;
    if (session.lastSeen - session.persistedSeen >= PERSIST_SEEN_EVERY) session.dirty = true;
  }

  deregister(session: RunnerSession): void {
    session.deregisteredAt = this.#clock();
    session.online = false;
    session.dirty = true;
    this.#byToken.delete(session.tokenHash);
  }

  /**
   * Marks runners silent for `offlineAfter` offline (returns those that just went offline) and
   * forgets those silent for a day.
   */
  sweep(): RunnerSession[] {
    const now = this.#clock();
    const gone: RunnerSession[] = [];
    for (const s of this.#byId.values()) {
      if (s.online && now - s.lastSeen >= this.offlineAfter) {
        s.online = false;
        s.dirty = true;
        gone.push(s);
      }
      if (!s.online && s.deregisteredAt === null && now - s.lastSeen >= this.forgetAfter) this.deregister(s);
    }
    return gone;
  }

  /** Regions with at least one online runner, sorted. */
  liveRegions(): string[] {
    const live = new Set<string>();
    for (const s of this.#byId.values()) if (s.online && s.deregisteredAt === null) live.add(s.region);
    return [...live].sort();
  }

  /** Online runners of `region`, other than `except`. */
  onlineIn(region: string, except: string | null = null): number {
    let n = 0;
    for (const s of this.#byId.values()) {
      if (s.online && s.deregisteredAt === null && s.region === region && s.id !== except) n++;
    }
    return n;
  }

  list(): RunnerView[] {
    const now = this.#clock();
    return [...this.#byId.values()]
      .filter((s) => s.deregisteredAt === null)
      .sort(
        (a, b) =>
          a.region.localeCompare(b.region) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
      )
      .map((s) => ({
        id: s.id,
        region: s.region,
        name: s.name,
        version: s.version,
        embedded: s.embedded,
        concurrency: s.concurrency,
        registeredAt: s.registeredAt,
        lastSeen: s.lastSeen,
        online: s.online,
        inFlight: Math.max(s.leased, s.reportedInFlight),
        free: s.reportedFree,
        checksPerMinute: s.checks.perMinute(now),
      }));
  }

  /** Records changed since the last call (registered, deregistered, offline, seen), for storage. */
  takeDirty(): RunnerRecord[] {
    const out: RunnerRecord[] = [];
    for (const s of this.#byId.values()) {
      if (!s.dirty) continue;
      s.dirty = false;
      s.persistedSeen = s.lastSeen;
      out.push({
        id: s.id,
        region: s.region,
        name: s.name,
        version: s.version,
        concurrency: s.concurrency,
        embedded: s.embedded,
        tokenHash: s.tokenHash,
        registeredAt: s.registeredAt,
        lastSeen: s.lastSeen,
        deregisteredAt: s.deregisteredAt,
      });
      if (s.deregisteredAt !== null) this.#byId.delete(s.id);
    }
    return out;
  }
}
