import type { RoutePlugin } from './route.ts';

// GET /healthz: the process answers. GET /readyz: the store answers and its schema is the one this
// build migrates to (503 VIGIL_ERR_UNAVAILABLE otherwise), for load balancers and orchestrators.
const readiness = {
  type: 'object',
  required: ['status', 'store'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    store: { type: 'string', enum: ['ok', 'unreachable'] },
    schemaVersion: { type: 'integer' },
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
        response: {
          200: { type: 'object', required: ['status'], properties: { status: { type: 'string' } } },
        },
      },
    },
    async () => ({ status: 'ok' }),
  );

  const store = ctx.store.status;
  app.get('/readyz', { schema: { response: { 200: readiness, 503: readiness } } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      const ready = await store.readiness();
      const body = {
        status: ready.ok ? 'ready' : 'not_ready',
        store: 'ok',
        schemaVersion: ready.schemaVersion,
        expectedSchemaVersion: ready.expectedVersion,
      };
      if (!ready.ok) {
        return reply.code(503).send({
          code: 'VIGIL_ERR_UNAVAILABLE',
          message: `store schema is at version ${ready.schemaVersion}, this build expects ${ready.expectedVersion}`,
          statusCode: 503,
          ...body,
        });
      }
      return body;
    } catch (error) {
      request.log.error({ err: error }, 'readiness check failed');
      return reply.code(503).send({
        code: 'VIGIL_ERR_UNAVAILABLE',
        message: 'the store does not answer',
        statusCode: 503,
        status: 'not_ready',
        store: 'unreachable',
      });
    }
  });
};
