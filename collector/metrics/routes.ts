// GET /metrics: Prometheus text exposition of this app's registry (registry.ts). Behind the read
// token when the status is private (Prometheus sends it with `authorization: credentials`).
import type { RoutePlugin } from '../api/route.ts';
import { errorResponses } from '../api/schemas.ts';
import { statusOf } from '../status/context.ts';
import { createMetrics, type MetricsRuntime } from './registry.ts';

export const metricsRoutes: RoutePlugin = async (app, ctx) => {
  const status = await statusOf(ctx);
  const runtime = (ctx as { runtime?: MetricsRuntime }).runtime;
  const metrics = createMetrics(status, runtime);
  await metrics.tail.start();
  // The answer is Prometheus text, not JSON: declared by its media type (the description's
  // convention, collector/openapi/document.ts); a string payload passes no serializer.
  const schema = {
    summary: 'Prometheus metrics: monitors, checks, engine, process',
    tags: ['metrics'],
    operationId: 'getMetrics',
    response: {
      200: {
        description: 'Text exposition format 0.0.4.',
        content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } },
      },
      ...errorResponses,
    },
  };
  app.get('/metrics', { onRequest: status.requireRead, schema }, async (_request, reply) => {
    // prom-client writes NaN as `Nan` (the event-loop lag gauges read NaN when no delay was sampled
    // since the last scrape); the exposition format spells it `NaN`.
    const text = (await metrics.registry.metrics()).replace(/ Nan$/gm, ' NaN');
    return reply.header('cache-control', 'no-store').type(metrics.registry.contentType).send(text);
  });
};
