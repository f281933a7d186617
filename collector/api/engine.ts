// GET /v1/engine/stats (admin): the engine's figures: scheduling lateness histograms (claim time
// minus due time), results, misses, re-queues, queue depth, flushes, event-loop delay. The
// scheduling benchmark reads it; histograms are cumulative (diff two snapshots for a window).

import { errorResponses } from '../api/schemas.ts';
import type { RoutePlugin } from './route.ts';

// The top level is declared; the figures inside are diagnostic and change shape with the engine,
// so they pass through as they are (additionalProperties) rather than being filtered by a schema.
const figures = { type: 'object', additionalProperties: true } as const;
const statsSchema = {
  type: 'object',
  required: ['now', 'monitors', 'states', 'scheduler', 'queue', 'results', 'missed', 'lateness'],
  properties: {
    now: { type: 'integer' },
    monitors: { type: 'integer' },
    states: { type: 'object', additionalProperties: { type: 'integer' } },
    scheduler: figures,
    queue: figures,
    results: {
      type: 'object',
      required: ['accepted', 'duplicates', 'rejected'],
      properties: {
        accepted: { type: 'integer' },
        duplicates: { type: 'integer' },
        rejected: { type: 'integer' },
      },
    },
    missed: { type: 'object', additionalProperties: { type: 'integer' } },
    requeued: { type: 'integer' },
    lateness: figures,
    flush: figures,
    loop: figures,
    regions: figures,
    memory: figures,
  },
} as const;

export const engineRoutes: RoutePlugin = async (app, ctx) => {
  app.get(
    '/v1/engine/stats',
    {
      onRequest: ctx.requireAdmin,
      schema: {
        summary: "The engine's figures",
        tags: ['engine'],
        operationId: 'getEngineStats',
        response: {
          200: { ...statsSchema, description: 'Cumulative figures: diff two snapshots for a window.' },
          ...errorResponses,
        },
      },
    },
    async () => ctx.runtime.engine.stats(),
  );
};
