// A monitor's check history: GET /v1/monitors/:id/checks pages newest first (keyset cursor in
// `next`), GET /v1/monitors/:id/checks/:checkId is one check with its response log. Response logs
// (bodies of the monitored service) need the admin token: `?log=true` and the single-check route.

import { errorResponses } from '../api/schemas.ts';
import { VigilError } from '../http/errors.ts';
import type { CheckPageQuery } from '../store/runtime-types.ts';
import type { RoutePlugin } from './route.ts';
import { checkView, checkViewSchema } from './runtime-views.ts';

export const DEFAULT_CHECK_PAGE = 100;
export const MAX_CHECK_PAGE = 1000;

/** An instant: epoch ms or an ISO 8601 time. */
export function parseInstant(text: string, name: string): number {
  const ms = /^\d{1,16}$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new VigilError(
      'VIGIL_ERR_BAD_REQUEST',
      `\`${name}\` must be epoch milliseconds or an ISO 8601 time`,
    );
  }
  return ms;
}

/** `before`: a cursor from `next` (`<ms>.<row>`), or an instant. */
export function parseBefore(text: string): NonNullable<CheckPageQuery['before']> {
  const cursor = /^(\d{1,16})\.(\d{1,16})$/.exec(text);
  if (cursor) return { startedAt: Number(cursor[1]), rowid: Number(cursor[2]) };
  return { startedAt: parseInstant(text, 'before'), rowid: null };
}

const params = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const checkRoutes: RoutePlugin = async (app, ctx) => {
  const lineage = async (id: string): Promise<number> => {
    const record = await ctx.store.monitors.get(id);
    if (record === undefined) throw new VigilError('VIGIL_ERR_NOT_FOUND', `no monitor with id \`${id}\``);
    return record.historyId;
  };

  app.get<{
    Params: { id: string };
    Querystring: { since?: string; before?: string; limit?: number; log?: boolean };
  }>(
    '/v1/monitors/:id/checks',
    {
      // The history is a read (private with the status); its logs need the admin token.
      onRequest: [
        ctx.requireRead,
        async (request, reply) => {
          const log = (request.query as { log?: unknown }).log;
          if (log === 'true' || log === '1' || log === true)
            await ctx.requireAdmin.call(app, request, reply, () => {});
        },
      ],
      schema: {
        summary: "A page of a monitor's check history, newest first",
        tags: ['monitors'],
        operationId: 'listChecks',
        params,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            since: { type: 'string', maxLength: 40, description: 'Epoch ms or an ISO 8601 time.' },
            before: {
              type: 'string',
              maxLength: 40,
              description: 'The `next` cursor of the previous page, or an instant.',
            },
            limit: { type: 'integer', minimum: 1, maximum: MAX_CHECK_PAGE, default: DEFAULT_CHECK_PAGE },
            log: {
              type: 'boolean',
              default: false,
              description: 'Include response logs: needs the admin token (401 otherwise).',
            },
          },
        },
        response: {
          200: {
            description:
              'Checks, and `next`: the cursor to pass as `before` for the next page (null at the end).',
            type: 'object',
            required: ['checks', 'next'],
            properties: {
              checks: { type: 'array', items: checkViewSchema },
              next: { type: ['string', 'null'] },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { since, before, limit, log } = request.query;
      const query: CheckPageQuery = { limit: limit ?? DEFAULT_CHECK_PAGE, withLogs: log === true };
      if (since !== undefined) query.since = parseInstant(since, 'since');
      if (before !== undefined) query.before = parseBefore(before);
      const historyId = await lineage(request.params.id);
      // What was accepted a moment ago is in the answer.
      await ctx.runtime.engine.flush();
      const page = await ctx.store.checks.page(historyId, query);
      return { checks: page.checks.map(checkView), next: page.next };
    },
  );

  app.get<{ Params: { id: string; checkId: string } }>(
    '/v1/monitors/:id/checks/:checkId',
    {
      onRequest: ctx.requireAdmin,
      schema: {
        summary: 'One check, with its response log',
        tags: ['monitors'],
        operationId: 'getCheck',
        params: {
          type: 'object',
          required: ['id', 'checkId'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', minLength: 1, maxLength: 200 },
            checkId: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: {
          200: { ...checkViewSchema, description: 'The check and its redacted log.' },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const historyId = await lineage(request.params.id);
      await ctx.runtime.engine.flush();
      const check = await ctx.store.checks.get(historyId, request.params.checkId);
      if (check === undefined) {
        throw new VigilError(
          'VIGIL_ERR_NOT_FOUND',
          `no check \`${request.params.checkId}\` for monitor \`${request.params.id}\``,
        );
      }
      const log = check.hasLog ? await ctx.store.checks.log(historyId, check.id) : undefined;
      return checkView({ ...check, log: log?.log ?? null });
    },
  );
};
