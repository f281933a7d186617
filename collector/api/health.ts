import { STORAGE_CODES } from '../http/errors.ts';
import type { RoutePlugin } from './route.ts';

// GET /healthz: the process answers. GET /readyz: the store answers, its schema is the one this
// build migrates to (503 VIGIL_ERR_UNAVAILABLE otherwise) and its writes reach the disk (503 with
// the storage code, e.g. VIGIL_ERR_STORAGE_FULL, and `reason: storage_full` while the last write
// failed; back to 200 once a write, or the probe write made here, succeeds), for load balancers
// and orchestrators. It also says which database it is (`database`) and which shards this
// collector schedules (`shards`, ARCHITECTURE.md "Cluster").
const readiness = {
  type: 'object',
  required: ['status', 'store'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    store: { type: 'string', enum: ['ok', 'unreachable', 'not_writable'] },
    /** Why not ready: schema_mismatch, store_unreachable, storage_full, storage_io_error... */
    reason: { type: 'string' },
    detail: { type: 'string' },
    /** Since when writes fail (ISO time). */
    since: { type: 'string' },
    schemaVersion: { type: 'integer' },
    /** The database behind the store, and whether its writes succeed now. */
    database: {
      type: 'object',
      required: ['engine', 'writable'],
      properties: {
        engine: { type: 'string', enum: ['sqlite', 'postgres'] },
        writable: { type: 'boolean' },
      },
    },
    /** Shards (0..63) whose monitors this collector schedules now (ARCHITECTURE.md "Cluster"). */
    shards: { type: 'array', items: { type: 'integer' } },
    expectedSchemaVersion: { type: 'integer' },
    // Present on 503 (the error shape every route shares).
    code: { type: 'string' },
    message: { type: 'string' },
    statusCode: { type: 'integer' },
  },
} as const;

export const healthRoutes: RoutePlugin = async (app, ctx) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process answers',
        tags: ['health'],
        operationId: 'getHealth',
        response: {
          200: {
            description: 'The process answers.',
            type: 'object',
            required: ['status'],
            properties: { status: { type: 'string', enum: ['ok'] } },
          },
        },
      },
    },
    async () => ({ status: 'ok' }),
  );

  const store = ctx.store.status;
  const readyzSchema = {
    summary: "Readiness: the store answers, has this build's schema and takes writes",
    tags: ['health'],
    operationId: 'getReadiness',
    response: {
      200: { ...readiness, description: 'Ready.' },
      503: { ...readiness, description: 'Not ready: `reason` says why; the error fields are set too.' },
    },
  };
  const engine = ctx.store.cluster.engine;
  const shards = () => [...ctx.runtime.cluster.ownedShards()].sort((a, b) => a - b);
  app.get('/readyz', { schema: readyzSchema }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      const ready = await store.readiness();
      const body = {
        status: ready.ok ? 'ready' : 'not_ready',
        store: 'ok',
        schemaVersion: ready.schemaVersion,
        expectedSchemaVersion: ready.expectedVersion,
        database: { engine, writable: ctx.store.storage.condition().writable },
        shards: shards(),
      };
      if (!ready.ok) {
        const message = `store schema is at version ${ready.schemaVersion}, this build expects ${ready.expectedVersion}`;
        return reply.code(503).send({
          code: 'VIGIL_ERR_UNAVAILABLE',
          message,
          statusCode: 503,
          ...body,
          reason: 'schema_mismatch',
          detail: message,
        });
      }
      const storage = await ctx.store.storage.probe();
      if (!storage.writable) {
        const { error } = storage;
        return reply.code(503).send({
          code: STORAGE_CODES[error.code] ?? 'VIGIL_ERR_UNAVAILABLE',
          message: error.message,
          statusCode: 503,
          ...body,
          status: 'not_ready',
          store: 'not_writable',
          database: { engine, writable: false },
          reason: error.reason,
          detail: error.message,
          since: new Date(storage.since).toISOString(),
        });
      }
      return { ...body, database: { engine, writable: true } };
    } catch (error) {
      request.log.error({ err: error }, 'readiness check failed');
      return reply.code(503).send({
        code: 'VIGIL_ERR_UNAVAILABLE',
        message: 'the store does not answer',
        statusCode: 503,
        status: 'not_ready',
        store: 'unreachable',
        reason: 'store_unreachable',
        database: { engine, writable: false },
        shards: shards(),
      });
    }
  });
};
