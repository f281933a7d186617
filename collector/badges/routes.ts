// GET /badge/:id.svg?type=status|uptime|response&window=30d&label=...  shields-style SVG
// GET /badge/:id.json?type=...                                          shields.io endpoint JSON
// (https://shields.io/badges/endpoint-badge: schemaVersion, label, message, color).
// An unknown monitor is a 404: as a grey "not found" badge for SVG (it shows in a README), as an
// ApiError for JSON. `window` applies to uptime (default 30d) and response time (default 24h).
import type { RoutePlugin } from '../api/route.ts';
import { apiErrorSchema, VigilError } from '../http/errors.ts';
import { emptyRollup, HOUR_MS, hourOf, mergeInto } from '../rollups/hourly.ts';
import { UPTIME_WINDOWS } from '../rollups/uptime.ts';
import { statusOf } from '../status/context.ts';
import { sendCached } from '../status/http.ts';
import { render } from '../status/service.ts';
import type { StatusStore } from '../store/status-types.ts';
import { BADGE_TYPES, BADGE_WINDOWS, type BadgeType, type BadgeWindow, badgeFor, COLORS } from './badge.ts';
import { renderBadge } from './svg.ts';

const svg = { schema: { type: 'string' } } as const;
const shieldsSchema = {
  type: 'object',
  required: ['schemaVersion', 'label', 'message', 'color'],
  properties: {
    schemaVersion: { type: 'integer', enum: [1] },
    label: { type: 'string' },
    message: { type: 'string' },
    color: { type: 'string', description: 'Hex colour without `#`.' },
    cacheSeconds: { type: 'integer' },
  },
} as const;
// Not JSON only: SVG or shields.io JSON by the file's extension, so each answer names its media
// types (the payloads are rendered before they are sent, so no serializer applies).
const badgeResponses = {
  200: {
    description: 'The badge: SVG for `<id>.svg`, shields.io endpoint JSON for `<id>.json`.',
    content: { 'image/svg+xml': svg, 'application/json': { schema: shieldsSchema } },
  },
  304: { description: 'Not modified (`If-None-Match` holds the ETag).', type: 'null' },
  400: apiErrorSchema,
  401: apiErrorSchema,
  404: {
    description: 'No such monitor: a grey "not found" SVG badge, or an API error for JSON.',
    content: { 'image/svg+xml': svg, 'application/json': { schema: apiErrorSchema } },
  },
} as const;

interface BadgeQuery {
  type?: BadgeType;
  window?: BadgeWindow;
  label?: string;
}

export const badgeRoutes: RoutePlugin = async (app, ctx) => {
  const status = await statusOf(ctx);
  app.get<{ Params: { file: string }; Querystring: BadgeQuery }>(
    '/badge/:file',
    {
      onRequest: status.requireRead,
      schema: {
        summary: "A monitor's badge: status, uptime or response time",
        tags: ['badges'],
        operationId: 'getBadge',
        params: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}\\.(svg|json)$' } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            type: { type: 'string', enum: [...BADGE_TYPES] },
            window: { type: 'string', enum: [...BADGE_WINDOWS] },
            label: { type: 'string', minLength: 1, maxLength: 100 },
          },
        },
        response: badgeResponses,
      },
    },
    async (request, reply) => {
      const dot = request.params.file.lastIndexOf('.');
      const id = request.params.file.slice(0, dot);
      const format = request.params.file.slice(dot + 1) as 'svg' | 'json';
      const type = request.query.type ?? 'status';
      const window = request.query.window ?? (type === 'response' ? '24h' : '30d');
      const snapshot = await status.service.snapshot();
      const detail = snapshot.byId.get(id);
      const monitor = detail?.status;
      const common = { isPublic: status.public, maxAgeMs: status.service.maxAgeMs };
      if (monitor === undefined) {
        if (format === 'json') throw new VigilError('VIGIL_ERR_NOT_FOUND', `no monitor with id \`${id}\``);
        reply.code(404);
        const svg = renderBadge({
          label: request.query.label ?? 'vigil',
          message: 'not found',
          color: COLORS.grey,
        });
        return reply.type('image/svg+xml; charset=utf-8').header('cache-control', 'no-cache').send(svg);
      }
      // The snapshot holds 24 hours of response time; longer windows read the hourly rollups.
      const responseMs =
        type === 'response' && window !== '24h'
          ? await meanResponseMs(status.service.store, detail!.entry.historyId, window, snapshot.at)
          : monitor.responseTime.meanMs;
      const badge = badgeFor(monitor, type, window, request.query.label, responseMs);
      if (format === 'json') {
        const json = JSON.stringify({
          schemaVersion: 1,
          label: badge.label,
          message: badge.message,
          color: badge.color.replace(/^#/, ''),
          cacheSeconds: Math.max(0, Math.floor(status.service.maxAgeMs / 1000)),
        });
        return sendCached(request, reply, {
          rendered: await render(json),
          type: 'application/json; charset=utf-8',
          ...common,
        });
      }
      const svg = renderBadge(badge);
      return sendCached(request, reply, {
        rendered: await render(svg),
        type: 'image/svg+xml; charset=utf-8',
        ...common,
      });
    },
  );
};

/** Mean response time over `window` (all regions), from the hourly rollups; null without checks. */
async function meanResponseMs(
  store: StatusStore,
  historyId: number,
  window: BadgeWindow,
  now: number,
): Promise<number | null> {
  const hours = UPTIME_WINDOWS[window] / HOUR_MS;
  const points = await store.hourly([historyId], hourOf(now) - (hours - 1) * HOUR_MS);
  const total = emptyRollup();
  for (const point of points) mergeInto(total, point.rollup);
  return total.rtCount === 0 ? null : total.rtSum / total.rtCount;
}
