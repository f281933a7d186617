// The collector side of the runner protocol (runner/protocol.ts), shared by the HTTP
// routes (api/runners.ts) and the embedded runner's in-process transport, so both take one path.

import type { Logger } from '../../common/log.ts';
import {
  type ClaimRequest,
  type ClaimResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type Job,
  MAX_CLAIM_WAIT,
  type RegisterRequest,
  type RegisterResponse,
  type ResultsRequest,
  type ResultsResponse,
} from '../../runner/protocol.ts';
import { VigilError } from '../http/errors.ts';
import type { RunnerRecord } from '../store/runtime-types.ts';
import type { RegionKeys } from './keys.ts';
import type { RunnerRegistry, RunnerSession } from './registry.ts';

export const HEARTBEAT_INTERVAL = 15_000;

/**
 * The engine as the runner service sees it (collector/engine/engine.ts implements it): due jobs
 * leased out, results taken in. The service never touches the job queue itself.
 */
export interface JobBroker {
  /** True once the collector is closing: claims answer `drain` when nothing is left. */
  readonly draining: boolean;
  /** Up to `max` due jobs of the session's region, leased to it, waiting up to `wait` ms. */
  claim(session: RunnerSession, max: number, wait: number, signal?: AbortSignal): Promise<Job[]>;
  acceptResults(session: RunnerSession, results: ResultsRequest['results']): Promise<ResultsResponse>;
  /** The runner left: the leases it still holds are re-queued. */
  runnerGone(session: RunnerSession): void;
}

export interface RunnerServiceOptions {
  registry: RunnerRegistry;
  engine: JobBroker;
  keys: RegionKeys;
  log: Logger;
  /**
   * The sessions in the store (`RuntimeStore.loadRunners`): a token this collector does not know
   * may be one another collector of the cluster made; looked up there at most once a second.
   */
  storedSessions?: () => Promise<RunnerRecord[]>;
  clock?: () => number;
}

/** Unknown tokens reload the stored sessions at most this often. */
export const SESSION_RELOAD_EVERY = 1_000;

/** How a register call proves it may join the region. */
export type RegisterAuth = { authorization: string | undefined } | { trusted: true };

export class RunnerService {
  #o: RunnerServiceOptions;
  #reloading: Promise<void> | null = null;
  #reloadedAt = Number.NEGATIVE_INFINITY;

  constructor(options: RunnerServiceOptions) {
    this.#o = options;
  }

  /** Replaces the engine as the service sees it (fleet/peers.ts: claims across the cluster). */
  useBroker(broker: JobBroker): void {
    this.#o = { ...this.#o, engine: broker };
  }

  /** Reads the stored sessions (made at other collectors) now, unless done within the last second. */
  reloadSessions(): Promise<void> {
    return this.#o.storedSessions === undefined ? Promise.resolve() : this.#reload();
  }

  /** Sets where sessions of other collectors are looked up (the HTTP routes do, with the store). */
  useStoredSessions(storedSessions: () => Promise<RunnerRecord[]>): void {
    this.#o = { ...this.#o, storedSessions };
  }

  /**
   * `authenticate`, after looking the token up in the store when this collector does not know it
   * (a session made or renewed at another collector of the cluster). Every route and the
   * in-process transport use this one.
   */
  async authenticateAny(authorization: string | undefined): Promise<RunnerSession> {
    const token = tokenOf(authorization);
    if (token !== null && this.#o.storedSessions !== undefined && !this.#o.registry.knows(token)) {
      await this.#reload();
    }
    return this.authenticate(authorization);
  }

  /** One reload at a time, at most once per SESSION_RELOAD_EVERY; a failed one only logs. */
  #reload(): Promise<void> {
    const now = (this.#o.clock ?? Date.now)();
    if (this.#reloading !== null) return this.#reloading;
    if (now - this.#reloadedAt < SESSION_RELOAD_EVERY) return Promise.resolve();
    this.#reloadedAt = now;
    this.#reloading = this.#o.storedSessions!()
      .then((records) => {
        const adopted = this.#o.registry.adopt(records);
        if (adopted > 0) this.#o.log.info({ adopted }, 'runner sessions made at other collectors adopted');
      })
      .catch((error: unknown) => this.#o.log.warn({ err: error }, 'cannot read stored runner sessions'))
      .finally(() => {
        this.#reloading = null;
      });
    return this.#reloading;
  }

  register(request: RegisterRequest, auth: RegisterAuth): RegisterResponse {
    let fingerprint: string | null = null;
    if (!('trusted' in auth)) {
      const check = this.#o.keys.verify(request.region, auth.authorization);
      if (!check.ok) throw new VigilError('VIGIL_ERR_UNAUTHORIZED', check.message);
      fingerprint = check.fingerprint;
    }
    const { session, token } = this.#o.registry.register(request, 'trusted' in auth, fingerprint);
    this.#o.log.info(
      { runner: session.id, region: session.region, name: session.name, version: session.version },
      'runner registered',
    );
    return {
      runnerId: session.id,
      token,
      heartbeatInterval: HEARTBEAT_INTERVAL,
      maxClaimWait: MAX_CLAIM_WAIT,
      ...(session.expiresAt === null ? {} : { expiresAt: session.expiresAt }),
    };
  }

  /**
   * The session of `Bearer <token>` (or a bare token), seen now. 401 VIGIL_ERR_RUNNER_UNKNOWN
   * (the code every runner answers by registering again) for an unknown token, and for a session
   * that expired or whose region key was rotated or removed: that session ends here, its leases
   * are re-queued.
   */
  authenticate(authorization: string | undefined): RunnerSession {
    const { registry, log } = this.#o;
    const token = tokenOf(authorization);
    const session = token === null ? undefined : registry.byToken(token);
    if (!session) {
      throw new VigilError(
        'VIGIL_ERR_RUNNER_UNKNOWN',
        'unknown or expired runner session: register again (POST /v1/runners/register)',
      );
    }
    const refusal = registry.refusal(session);
    if (refusal !== null) {
      this.#o.engine.runnerGone(session);
      registry.deregister(session);
      log.warn({ runner: session.id, region: session.region, reason: refusal }, 'runner session ended');
      throw new VigilError(
        'VIGIL_ERR_RUNNER_UNKNOWN',
        refusal === 'expired'
          ? 'runner session expired: register again (POST /v1/runners/register)'
          : `the region key of this session is no longer configured for region \`${session.region}\`: register again with the current key`,
      );
    }
    registry.touch(session);
    return session;
  }

  async claim(session: RunnerSession, request: ClaimRequest, signal?: AbortSignal): Promise<ClaimResponse> {
    const { engine, registry } = this.#o;
    session.reportedInFlight = request.inFlight;
    session.reportedFree = request.max;
    if (engine.draining) return { jobs: [], drain: true };
    const jobs = await engine.claim(session, request.max, request.wait, signal);
    // A long poll is a sign of life at its end too.
    registry.touch(session);
    return engine.draining && jobs.length === 0 ? { jobs, drain: true } : { jobs };
  }

  results(session: RunnerSession, request: ResultsRequest): Promise<ResultsResponse> {
    return this.#o.engine.acceptResults(session, request.results);
  }

  /** Past half its lifetime, a session is renewed: the answer carries the new token and end. */
  heartbeat(session: RunnerSession, request: HeartbeatRequest): HeartbeatResponse {
    session.reportedInFlight = request.inFlight;
    session.reportedFree = request.free;
    if (!this.#o.registry.dueForRenewal(session)) return { ok: true };
    const renewed = this.#o.registry.renew(session);
    this.#o.log.info({ runner: session.id, region: session.region }, 'runner session renewed');
    return { ok: true, ...renewed };
  }

  /** Leaves: leases it still holds are re-queued (once) at once. */
  deregister(session: RunnerSession): void {
    this.#o.engine.runnerGone(session);
    this.#o.registry.deregister(session);
    this.#o.log.info({ runner: session.id, region: session.region }, 'runner deregistered');
  }
}

function tokenOf(authorization: string | undefined): string | null {
  const match = authorization === undefined ? null : /^(?:Bearer\s+)?(\S+)\s*$/i.exec(authorization);
  return match ? match[1]! : null;
}
