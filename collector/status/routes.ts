// GET /v1/status: every monitor's state, last check (`lastCheckAt`), uptime (null before the first
// result), response time, last result per region, maintenance now and next (7 days ahead) and open
// incident, plus runners and regions. `?monitor=a,b` keeps only those monitors (404 when none of
// them exists). The body is built once per snapshot; pollers revalidate with If-None-Match.
import type { RoutePlugin } from '../api/route.ts';
import { errorResponses } from '../api/schemas.ts';
import { VigilError } from '../http/errors.ts';
import { statusOf } from './context.ts';
import { sendCached } from './http.ts';
import { render } from './render.ts';
import { statusModelSchema } from './schema.ts';

export const statusRoutes: RoutePlugin = async (app, ctx) => {
  const status = await statusOf(ctx);
  // Build the first snapshot in the background at start, so the first visitor does not pay for
  // loading the catalog and the day's rollups, then keep it fresh whether or not anyone reads
  // (with maxAgeMs 0 every request builds anyway).
  app.addHook('preClose', async () => status.service.idle());
  if (status.service.maxAgeMs > 0) {
    app.addHook('onReady', async () => {
      void status.service
        .snapshot()
        .catch((error: unknown) => app.log.warn({ err: error }, 'status warm-up failed'));
      status.service.keepFresh();
    });
  }
  app.get<{ Querystring: { monitor?: string } }>(
    '/v1/status',
    {
      onRequest: status.requireRead,
      schema: {
        summary: 'Every monitor: state, last check, uptime, response time, maintenance, open incident',
        tags: ['status'],
        operationId: 'getStatus',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { monitor: { type: 'string', minLength: 1, maxLength: 4000 } },
        },
        response: {
          200: statusModelSchema,
          304: { description: 'Not modified (`If-None-Match` holds the ETag).', type: 'null' },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const snapshot = await status.service.snapshot();
      const common = {
        type: 'application/json; charset=utf-8',
        isPublic: status.public,
        maxAgeMs: status.service.maxAgeMs,
      };
      if (request.query.monitor === undefined) {
        return sendCached(request, reply, { rendered: await snapshot.body(), ...common });
      }
      const wanted = new Set(
        request.query.monitor
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id !== ''),
      );
      const monitors = [...wanted].flatMap((id) => {
        const found = snapshot.byId.get(id);
        return found === undefined ? [] : [found.status];
      });
      if (monitors.length === 0) {
        throw new VigilError(
          'VIGIL_ERR_NOT_FOUND',
          `no monitor with id ${[...wanted].map((id) => `\`${id}\``).join(', ')}`,
        );
      }
      const rendered = await render(JSON.stringify({ ...snapshot.model, monitors }));
      return sendCached(request, reply, { rendered, ...common });
    },
  );
};
