// Routes between the collectors of one cluster, under /internal/v1/ (not in the OpenAPI
// document): a peer claims jobs of this collector's queue for a runner it serves, and forwards
// the results of those jobs here, where they are votes as if the runner had posted them
// (collector/fleet/peers.ts). Authenticated by VIGIL_CLUSTER_SECRET as a bearer token; without
// it configured, or on a store no other collector shares, the routes answer 401 and claims stay
// local. The runner's session is the one it registered at any collector (sessions are shared
// through the store).
import type { FastifyRequest } from 'fastify';
import type { Logger } from '../../common/log.ts';
import type { JobResult } from '../../runner/protocol.ts';
import { PeerBroker } from '../fleet/peers.ts';
import type { RunnerSession } from '../fleet/registry.ts';
import { bearerToken, hashToken, tokenMatches, withAccess } from '../http/auth.ts';
import { VigilError } from '../http/errors.ts';
import type { AppContext } from './context.ts';
import type { RoutePlugin } from './route.ts';
import { claimResponseSchema, MAX_CLAIM, RESULTS_BODY_LIMIT, resultsSchema } from './runners.ts';

interface PeerClaim {
  runnerId: string;
  region: string;
  max: number;
}

const peerClaimSchema = {
  type: 'object',
  required: ['runnerId', 'region', 'max'],
  additionalProperties: false,
  properties: {
    runnerId: { type: 'string', minLength: 1, maxLength: 200 },
    region: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' },
    max: { type: 'integer', minimum: 0, maximum: MAX_CLAIM },
  },
} as const;

const peerResultsSchema = {
  type: 'object',
  required: ['runnerId', 'results'],
  additionalProperties: false,
  properties: {
    runnerId: { type: 'string', minLength: 1, maxLength: 200 },
    results: resultsSchema.properties.results,
  },
} as const;

/** Whether this collector takes part in cross-collector claims. */
function clusterSecret(ctx: AppContext): string | null {
  return ctx.store.cluster.shared ? ctx.config.clusterSecret : null;
}

/**
 * Puts the peer broker between the runner service and this collector's engine, so claims also
 * take peers' jobs (no-op for a lone collector or without VIGIL_CLUSTER_SECRET).
 */
export function installPeerClaims(ctx: AppContext, log: Logger): PeerBroker | null {
  const secret = clusterSecret(ctx);
  if (secret === null) return null;
  const { runtime, store } = ctx;
  const broker = new PeerBroker({
    engine: runtime.engine,
    selfId: runtime.cluster.id,
    secret,
    members: (now) => store.cluster.members(now),
    clock: () => Date.now(),
    log,
  });
  runtime.service.useBroker(broker);
  return broker;
}

export const internalRoutes: RoutePlugin = async (app, ctx) => {
  installPeerClaims(ctx, app.log.child({ component: 'peers' }));
  const secret = clusterSecret(ctx);
  const expected = secret === null ? [] : [hashToken(secret)];
  const peerOnly = withAccess('internal', async (request: FastifyRequest) => {
    if (!tokenMatches(bearerToken(request.headers.authorization), expected)) {
      throw new VigilError(
        'VIGIL_ERR_UNAUTHORIZED',
        'collector-to-collector route: the cluster secret is required',
      );
    }
  });
  const { engine, registry, service } = ctx.runtime;

  /** The runner's session here (made at any collector), or null. */
  async function sessionOf(runnerId: string): Promise<RunnerSession | null> {
    let session = registry.get(runnerId);
    if (session === undefined) {
      await service.reloadSessions();
      session = registry.get(runnerId);
    }
    return session === undefined || session.deregisteredAt !== null || registry.refusal(session) !== null
      ? null
      : session;
  }

  app.post<{ Body: PeerClaim }>(
    '/internal/v1/claims',
    {
      onRequest: peerOnly,
      schema: {
        hide: true,
        summary: "A peer collector claims this collector's due jobs for a runner it serves",
        tags: ['internal'],
        body: peerClaimSchema,
        response: { 200: claimResponseSchema },
      },
    },
    async (request) => {
      const session = await sessionOf(request.body.runnerId);
      if (session === null || session.region !== request.body.region || engine.draining) return { jobs: [] };
      registry.touch(session);
      return { jobs: await engine.claim(session, request.body.max, 0) };
    },
  );

  app.post<{ Body: { runnerId: string; results: JobResult[] } }>(
    '/internal/v1/results',
    {
      onRequest: peerOnly,
      bodyLimit: RESULTS_BODY_LIMIT,
      schema: {
        hide: true,
        summary: "A peer collector forwards results of this collector's jobs",
        tags: ['internal'],
        body: peerResultsSchema,
      },
    },
    async (request) => {
      const session = await sessionOf(request.body.runnerId);
      if (session === null) {
        throw new VigilError('VIGIL_ERR_RUNNER_UNKNOWN', 'unknown runner session');
      }
      registry.touch(session);
      return engine.acceptResults(session, request.body.results);
    },
  );
};
