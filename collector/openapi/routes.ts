// GET /openapi.json: this collector's OpenAPI 3.1 description (document.ts). Public, like
// /healthz: it describes the routes and their access, never data.
import type { RoutePlugin } from '../api/route.ts';

export const openapiRoutes: RoutePlugin = async (app) => {
  app.get(
    '/openapi.json',
    {
      schema: {
        summary: 'This API, described in OpenAPI 3.1',
        tags: ['meta'],
        operationId: 'getOpenApi',
        response: {
          200: {
            description: 'The OpenAPI 3.1 document, generated from the routes of this collector.',
            type: 'object',
            additionalProperties: true,
          },
        },
      },
    },
    async (_request, reply) => reply.header('cache-control', 'no-cache').send(app.swagger()),
  );
};
