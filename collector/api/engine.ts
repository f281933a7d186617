// GET /v1/engine/stats (admin): the engine's figures: scheduling lateness histograms (claim time
// minus due time), results, misses, re-queues, queue depth, flushes, event-loop delay. The
// scheduling benchmark reads it; histograms are cumulative (diff two snapshots for a window).
import type { RoutePlugin } from './route.ts';

export const engineRoutes: RoutePlugin = async (app, ctx) => {
  app.get('/v1/engine/stats', { onRequest: ctx.requireAdmin }, async () => ctx.runtime.engine.stats());
};
