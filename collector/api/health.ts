import type { RoutePlugin } from './route.ts';

export const healthRoutes: RoutePlugin = async (app) => {
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
};
