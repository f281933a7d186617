// The runner protocol over HTTP (runner/protocol.ts) and GET /v1/runners. Every route
// calls the same RunnerService as the embedded runner's in-process transport.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type {
  ClaimRequest,
  ClaimResponse,
  HeartbeatRequest,
  RegisterRequest,
  ResultsRequest,
} from '../../runner/protocol.ts';
import { errorResponses } from '../api/schemas.ts';
import type { RunnerSession } from '../fleet/registry.ts';
import { MAX_TICKET } from '../fleet/ticket.ts';
import { withAccess } from '../http/auth.ts';
import { VigilError } from '../http/errors.ts';
import { checkResultSchema } from './result-schema.ts';
import type { RoutePlugin } from './route.ts';
import { iso } from './runtime-views.ts';

/** Results batches carry response logs (64 KiB bodies): they get a larger limit than other bodies. */
export const RESULTS_BODY_LIMIT = 16 * 1024 * 1024;
export const MAX_CLAIM = 500;

const registerSchema = {
  type: 'object',
  required: ['region', 'name', 'version', 'concurrency'],
  additionalProperties: false,
  properties: {
    region: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' },
    name: { type: 'string', minLength: 1, maxLength: 100 },
    version: { type: 'string', minLength: 1, maxLength: 50 },
    concurrency: { type: 'integer', minimum: 1, maximum: 10_000 },
  },
} as const;

const claimSchema = {
  type: 'object',
  required: ['max', 'wait', 'inFlight'],
  additionalProperties: false,
  properties: {
    max: { type: 'integer', minimum: 0, maximum: MAX_CLAIM },
    // Longer waits are accepted and capped at 25 s.
    wait: { type: 'integer', minimum: 0, maximum: 3_600_000 },
    inFlight: { type: 'integer', minimum: 0, maximum: 100_000 },
  },
} as const;

// A job's spec is the probe engine's input (probe/spec.ts): the runner validates what it
// runs; here the envelope is declared and the spec and secrets pass through whole.
export const claimResponseSchema = {
  type: 'object',
  required: ['jobs'],
  properties: {
    jobs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['jobId', 'monitorId', 'purpose', 'roundId', 'deadline', 'spec', 'secrets'],
        properties: {
          jobId: { type: 'string' },
          monitorId: { type: 'string' },
          purpose: { type: 'string' },
          roundId: { type: 'string' },
          deadline: { type: 'integer' },
          spec: { type: 'object', additionalProperties: true },
          secrets: { type: 'object', additionalProperties: { type: 'string' } },
          ticket: {
            type: 'string',
            description:
              'Opaque, signed: send it back with the result (any collector of the cluster can then store it).',
          },
        },
      },
    },
    drain: { type: 'boolean' },
  },
} as const;

export const resultsSchema = {
  type: 'object',
  required: ['results'],
  additionalProperties: false,
  properties: {
    results: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['jobId', 'result'],
        additionalProperties: false,
        properties: {
          jobId: { type: 'string', minLength: 1, maxLength: 200 },
          result: checkResultSchema,
          ticket: { type: 'string', maxLength: MAX_TICKET, description: "The job's ticket, as claimed." },
        },
      },
    },
  },
} as const;

const heartbeatSchema = {
  type: 'object',
  required: ['inFlight', 'free'],
  additionalProperties: false,
  properties: {
    inFlight: { type: 'integer', minimum: 0, maximum: 100_000 },
    free: { type: 'integer', minimum: 0, maximum: 100_000 },
  },
} as const;

const idList = { type: 'array', items: { type: 'string' } } as const;

const runnerViewSchema = {
  title: 'Runner',
  type: 'object',
  properties: {
    id: { type: 'string' },
    region: { type: 'string' },
    name: { type: 'string' },
    version: { type: 'string' },
    embedded: { type: 'boolean' },
    concurrency: { type: 'integer' },
    registeredAt: { type: ['string', 'null'] },
    lastSeen: { type: ['string', 'null'] },
    online: { type: 'boolean' },
    inFlight: { type: 'integer' },
    free: { type: 'integer' },
    checksPerMinute: { type: 'number' },
    regionImpaired: { type: 'boolean' },
  },
} as const;

const regionViewSchema = {
  title: 'Region',
  type: 'object',
  properties: {
    region: { type: 'string' },
    live: { type: 'boolean' },
    runners: { type: 'integer' },
    online: { type: 'integer' },
    impaired: { type: 'boolean' },
    impairedSince: { type: ['string', 'null'] },
    candidates: { type: 'integer' },
    failing: { type: 'integer' },
  },
} as const;

export const runnerRoutes: RoutePlugin = async (app, ctx) => {
  const { service, engine, registry } = ctx.runtime;
  // Sessions made at another collector of the cluster are found in the store (fleet/service.ts).
  service.useStoredSessions(() => ctx.store.runtime.loadRunners());
  const sessions = new WeakMap<FastifyRequest, RunnerSession>();
  const session = (request: FastifyRequest): RunnerSession => sessions.get(request)!;
  // Session routes: the token is checked before the body is read.
  const authenticated = {
    onRequest: withAccess('runner', async (request: FastifyRequest) => {
      sessions.set(request, await service.authenticateAny(request.headers.authorization));
    }),
  };
  // Register: the region key is checked once the body names the region, before the handler.
  const regionKey = withAccess(
    'region',
    async (request: FastifyRequest<{ Body: RegisterRequest }>, reply: FastifyReply) => {
      const check = ctx.runtime.keys.verify(request.body.region, request.headers.authorization);
      if (!check.ok) {
        reply.header('www-authenticate', 'Bearer realm="vigil-runners"');
        throw new VigilError('VIGIL_ERR_UNAUTHORIZED', check.message);
      }
    },
  );

  app.post<{ Body: RegisterRequest }>(
    '/v1/runners/register',
    {
      preHandler: regionKey,
      schema: {
        summary: 'Register a runner in a region and open its session',
        tags: ['runners'],
        operationId: 'registerRunner',
        body: registerSchema,
        response: {
          200: {
            description: 'The session: its token authenticates the other runner routes.',
            type: 'object',
            required: ['runnerId', 'token', 'heartbeatInterval', 'maxClaimWait'],
            properties: {
              runnerId: { type: 'string' },
              token: { type: 'string' },
              heartbeatInterval: { type: 'integer' },
              maxClaimWait: { type: 'integer' },
              expiresAt: { type: 'integer' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      try {
        return service.register(request.body, { authorization: request.headers.authorization });
      } catch (error) {
        if (error instanceof VigilError && error.code === 'VIGIL_ERR_UNAUTHORIZED') {
          reply.header('www-authenticate', 'Bearer realm="vigil-runners"');
        }
        throw error;
      }
    },
  );

  app.post<{ Body: ClaimRequest; Reply: ClaimResponse }>(
    '/v1/runners/claim',
    {
      ...authenticated,
      schema: {
        summary: "Claim due jobs for the runner's region (long poll up to `wait` ms)",
        tags: ['runners'],
        operationId: 'claimJobs',
        body: claimSchema,
        response: {
          200: {
            ...claimResponseSchema,
            description: 'Leased jobs (maybe none); `drain` asks the runner to stop.',
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      // A runner that hangs up stops waiting; no job is leased to a claim nobody reads.
      const aborted = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) aborted.abort();
      });
      return service.claim(session(request), request.body, aborted.signal);
    },
  );

  app.post<{ Body: ResultsRequest }>(
    '/v1/runners/results',
    {
      ...authenticated,
      bodyLimit: Math.max(RESULTS_BODY_LIMIT, ctx.config.bodyLimit),
      schema: {
        summary: 'Send the results of claimed jobs (idempotent by job id)',
        tags: ['runners'],
        operationId: 'sendResults',
        body: resultsSchema,
        response: {
          200: {
            description: 'Job ids by outcome: accepted, already received, refused.',
            type: 'object',
            required: ['accepted', 'duplicates', 'rejected'],
            properties: { accepted: idList, duplicates: idList, rejected: idList },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => service.results(session(request), request.body),
  );

  app.post<{ Body: HeartbeatRequest }>(
    '/v1/runners/heartbeat',
    {
      ...authenticated,
      schema: {
        summary: "Report the runner's load and keep its session",
        tags: ['runners'],
        operationId: 'heartbeat',
        body: heartbeatSchema,
        response: {
          200: {
            description: 'Acknowledged, with a renewed session token when it nears expiry.',
            type: 'object',
            properties: {
              ok: { type: 'boolean' },
              token: { type: 'string' },
              expiresAt: { type: 'integer' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => service.heartbeat(session(request), request.body),
  );

  app.post(
    '/v1/runners/deregister',
    {
      ...authenticated,
      schema: {
        summary: "End the runner's session (its leased jobs go back to the queue)",
        tags: ['runners'],
        operationId: 'deregisterRunner',
        response: { 204: { type: 'null', description: 'The session is over.' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      service.deregister(session(request));
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/runners',
    {
      onRequest: ctx.requireRead,
      schema: {
        summary: 'List the runners and the health of each region',
        tags: ['runners'],
        operationId: 'listRunners',
        response: {
          200: {
            description: 'Runners (online or not) and regions (live, impaired).',
            type: 'object',
            required: ['runners', 'regions'],
            properties: {
              runners: { type: 'array', items: runnerViewSchema },
              regions: { type: 'array', items: regionViewSchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const runners = registry.list();
      const health = new Map(engine.regionHealth().map((h) => [h.region, h]));
      const names = new Set([...runners.map((r) => r.region), ...health.keys()]);
      return {
        runners: runners.map((r) => ({
          ...r,
          registeredAt: iso(r.registeredAt),
          lastSeen: iso(r.lastSeen),
          regionImpaired: engine.isImpaired(r.region),
        })),
        regions: [...names].sort().map((region) => {
          const mine = runners.filter((r) => r.region === region);
          const h = health.get(region);
          const impaired = engine.isImpaired(region);
          return {
            region,
            live: mine.some((r) => r.online),
            runners: mine.length,
            online: mine.filter((r) => r.online).length,
            impaired,
            impairedSince: impaired && h ? iso(h.since) : null,
            candidates: h?.candidates ?? 0,
            failing: h?.failing ?? 0,
          };
        }),
      };
    },
  );
};
