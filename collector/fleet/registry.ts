// The runner registry: sessions, liveness and per-runner figures. In memory (the engine persists
// registrations and last-seen times through its write-behind buffer), restored at start so
// sessions survive a collector restart.
//
// Liveness: a runner is online while it was seen (register, claim, results, heartbeat) within
// `offlineAfter` (45 s). A region is live while at least one of its runners is online.
//
// Sessions (ARCHITECTURE.md "Runner sessions"): a token is looked up by its sha256 (the only form
// kept, in memory and in the store; a lookup keyed by a digest shows nothing of the token through
// timing). A session is valid while its region key is still configured (`keys`) and it has not
// reached `expiresAt`; `renew` hands out a new token and end, the old token stays valid for
// `RENEW_GRACE` so calls already on their way are not refused.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { RegisterRequest } from '../../runner/protocol.ts';
import type { RunnerRecord } from '../store/runtime-types.ts';
import type { RegionKeys } from './keys.ts';
import { MinuteRate } from './rate.ts';

export const OFFLINE_AFTER = 45_000;
/** A runner silent this long is forgotten (its session ends; GET /v1/runners stops listing it). */
export const FORGET_AFTER = 24 * 3600_000;
/** last_seen is persisted at most this often per runner (the live value is in memory). */
const PERSIST_SEEN_EVERY = 10_000;
/** Default session lifetime (VIGIL_RUNNER_SESSION_TTL_MS); heartbeats renew it past half of it. */
export const SESSION_TTL = 24 * 3600_000;
/** How long a renewed session's previous token is still taken. */
export const RENEW_GRACE = 60_000;

/** Why a token is not taken (401 VIGIL_ERR_RUNNER_UNKNOWN either way; the log says which). */
export type SessionRefusal = 'unknown' | 'expired' | 'key_revoked';

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
  /** The token before the last renewal and until when it is still taken (memory only). */
  previous: { tokenHash: string; until: number } | null;
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
  /** The region keys sessions are bound to; without it sessions are bound to none (tests only). */
  keys?: RegionKeys;
  /** Session lifetime in ms (default SESSION_TTL). */
  sessionTtl?: number;
}

export class RunnerRegistry {
  readonly #clock: () => number;
  readonly offlineAfter: number;
  readonly forgetAfter: number;
  readonly sessionTtl: number;
  readonly #keys: RegionKeys | null;
  readonly #byId = new Map<string, RunnerSession>();
  readonly #byToken = new Map<string, RunnerSession>();

  constructor(options: RegistryOptions) {
    this.#clock = options.clock;
    this.offlineAfter = options.offlineAfter ?? OFFLINE_AFTER;
    this.forgetAfter = options.forgetAfter ?? FORGET_AFTER;
    this.sessionTtl = options.sessionTtl ?? SESSION_TTL;
    this.#keys = options.keys ?? null;
  }

  /**
   * Sessions stored by an earlier run; online only if seen recently. Those whose key is no longer
   * configured, or whose lifetime is over, end here (written back as deregistered).
   */
  restore(records: readonly RunnerRecord[]): void {
    const now = this.#clock();
    for (const r of records) {
      if (r.deregisteredAt !== null) continue;
      if (r.embedded || this.#refusal(r, now) !== null) {
        // The embedded runner of the previous process (this one registers its own), or a session
        // its key or lifetime no longer covers.
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
          previous: null,
        });
        continue;
      }
      this.#add(this.#stored(r, now));
    }
  }

  /** A live session as a stored record describes it: online if seen within offlineAfter. */
  #stored(r: RunnerRecord, now: number): RunnerSession {
    return {
      ...r,
      reportedInFlight: 0,
      reportedFree: r.concurrency,
      leased: 0,
      checks: new MinuteRate(),
      online: now - r.lastSeen < this.offlineAfter,
      persistedSeen: r.lastSeen,
      dirty: false,
      previous: null,
    };
  }

  #add(session: RunnerSession): void {
    this.#byId.set(session.id, session);
    this.#byToken.set(session.tokenHash, session);
  }

  /**
   * Sessions another collector of the cluster made or renewed, from the store (several collectors
   * on one database: a session made at one is valid at all). A session this registry does not know
   * is added; one it knows under an older token takes the stored token and end when they are newer
   * (a renewal elsewhere; its previous token stays taken for RENEW_GRACE). Expired or revoked ones
   * are left out. Returns how many sessions were added or updated.
   */
  adopt(records: readonly RunnerRecord[]): number {
    const now = this.#clock();
    let changed = 0;
    for (const r of records) {
      if (r.deregisteredAt !== null || r.embedded || this.#refusal(r, now) !== null) continue;
      const known = this.#byId.get(r.id);
      if (known === undefined) {
        this.#add(this.#stored(r, now));
        changed += 1;
      } else if (
        known.deregisteredAt === null &&
        known.tokenHash !== r.tokenHash &&
        (r.expiresAt ?? 0) > (known.expiresAt ?? 0)
      ) {
        if (known.previous !== null) this.#byToken.delete(known.previous.tokenHash);
        known.previous = { tokenHash: known.tokenHash, until: now + RENEW_GRACE };
        known.tokenHash = r.tokenHash;
        known.expiresAt = r.expiresAt;
        known.keyFingerprint = r.keyFingerprint;
        this.#byToken.set(r.tokenHash, known);
        changed += 1;
      }
    }
    return changed;
  }

  /** Whether a token's session is known here (no side effect). */
  knows(token: string): boolean {
    return this.#byToken.has(hashSessionToken(token));
  }

  /**
   * A new session. `keyFingerprint`: of the region key presented (null only for the embedded
   * runner, which is trusted and whose session has no end).
   */
  register(
    request: RegisterRequest,
    embedded: boolean,
    keyFingerprint: string | null = null,
  ): { session: RunnerSession; token: string } {
    const now = this.#clock();
    const token = newToken();
    const session: RunnerSession = {
      id: `${request.region}-${randomUUID().slice(0, 8)}`,
      region: request.region,
      name: request.name,
      version: request.version,
      concurrency: request.concurrency,
      embedded,
      tokenHash: hashSessionToken(token),
      keyFingerprint,
      expiresAt: embedded ? null : now + this.sessionTtl,
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
      previous: null,
    };
    this.#byId.set(session.id, session);
    this.#byToken.set(session.tokenHash, session);
    return { session, token };
  }

  /** The session of a token, or undefined (unknown, deregistered, a renewed token past its grace). */
  byToken(token: string): RunnerSession | undefined {
    const hash = hashSessionToken(token);
    const session = this.#byToken.get(hash);
    if (session === undefined || hash === session.tokenHash) return session;
    if (session.previous?.tokenHash === hash && this.#clock() <= session.previous.until) return session;
    this.#byToken.delete(hash);
    return undefined;
  }

  /** Why `session` may no longer act (its key was rotated or removed, or it expired), or null. */
  refusal(session: RunnerSession): SessionRefusal | null {
    return this.#refusal(session, this.#clock());
  }

  #refusal(r: RunnerRecord, now: number): SessionRefusal | null {
    if (r.embedded) return null;
    if (this.#keys !== null && !this.#keys.stillValid(r.region, r.keyFingerprint)) return 'key_revoked';
    if (r.expiresAt === null ? this.#keys !== null : now >= r.expiresAt) return 'expired';
    return null;
  }

  /** Whether `session` is past half its lifetime (a heartbeat then renews it). */
  dueForRenewal(session: RunnerSession): boolean {
    return session.expiresAt !== null && session.expiresAt - this.#clock() <= this.sessionTtl / 2;
  }

  /** A new token and end for `session`; the previous token is still taken for RENEW_GRACE. */
  renew(session: RunnerSession): { token: string; expiresAt: number } {
    const now = this.#clock();
    const token = newToken();
    if (session.previous !== null) this.#byToken.delete(session.previous.tokenHash);
    session.previous = { tokenHash: session.tokenHash, until: now + RENEW_GRACE };
    session.tokenHash = hashSessionToken(token);
    session.expiresAt = now + this.sessionTtl;
    session.dirty = true;
    this.#byToken.set(session.tokenHash, session);
    return { token, expiresAt: session.expiresAt };
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
    if (session.previous !== null) this.#byToken.delete(session.previous.tokenHash);
    session.previous = null;
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
        keyFingerprint: s.keyFingerprint,
        expiresAt: s.expiresAt,
        registeredAt: s.registeredAt,
        lastSeen: s.lastSeen,
        deregisteredAt: s.deregisteredAt,
      });
      if (s.deregisteredAt !== null) this.#byId.delete(s.id);
    }
    return out;
  }
}

function newToken(): string {
  return `vigil_rs_${randomBytes(32).toString('base64url')}`;
}
