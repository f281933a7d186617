// GET /v1/incidents: incidents newest first (open, resolved or all; by monitor or kind), and
// GET /v1/incidents/:id with the ordered events the verdict emitted for it.

import { errorResponses } from '../api/schemas.ts';
import { VigilError } from '../http/errors.ts';
import { alertViewSchema, alertViews, operationView } from '../incidents/views.ts';
import type { IncidentQuery } from '../store/runtime-types.ts';
import { parseInstant } from './checks.ts';
import type { RoutePlugin } from './route.ts';
import { incidentView, incidentViewSchema } from './runtime-views.ts';

/** An incident with its delivery: announced or not, issue number and URL per sink. */
const withAlertSchema = {
  ...incidentViewSchema,
  title: 'Incident',
  properties: { ...incidentViewSchema.properties, alert: { anyOf: [alertViewSchema, { type: 'null' }] } },
} as const;

const errorOrNull = {
  anyOf: [
    { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
    { type: 'null' },
  ],
} as const;

/** incidents/views.ts OperationView: one outbox operation (open, comment, close) for one sink. */
const operationViewSchema = {
  title: 'DeliveryOperation',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    sink: { type: 'string' },
    op: { type: 'string' },
    state: { type: 'string' },
    attempts: { type: 'integer' },
    queuedAt: { type: ['string', 'null'] },
    doneAt: { type: ['string', 'null'] },
    nextAttemptAt: { type: ['string', 'null'] },
    error: errorOrNull,
  },
} as const;

// The verdict's events as it emitted them (collector/verdict/types.ts IncidentEvent), times in
// epoch ms but `at`: their shape follows the verdict, so they pass through whole.
const incidentEventSchema = {
  type: 'object',
  description: "One event of the verdict (opened, ongoing, resolved...), with the round's votes.",
  additionalProperties: true,
  properties: {
    seq: { type: 'integer' },
    type: { type: 'string' },
    kind: { type: 'string' },
    at: { type: 'string' },
  },
} as const;

const incidentDetailSchema = {
  type: 'object',
  required: ['incident', 'operations', 'events'],
  properties: {
    incident: withAlertSchema,
    operations: { type: 'array', items: operationViewSchema },
    events: { type: 'array', items: incidentEventSchema },
  },
} as const;

export const incidentRoutes: RoutePlugin = async (app, ctx) => {
  app.get<{
    Querystring: {
      status?: 'open' | 'resolved' | 'all';
      monitor?: string;
      kind?: string;
      before?: string;
      limit?: number;
    };
  }>(
    '/v1/incidents',
    {
      onRequest: ctx.requireRead,
      schema: {
        summary: 'List incidents, newest first',
        tags: ['incidents'],
        operationId: 'listIncidents',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['open', 'resolved', 'all'], default: 'all' },
            monitor: { type: 'string', minLength: 1, maxLength: 200 },
            kind: { type: 'string', enum: ['down', 'flapping', 'certificate', 'region'] },
            before: { type: 'string', maxLength: 40, description: 'Epoch ms or an ISO 8601 time.' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          },
        },
        response: {
          200: {
            description: 'Incidents, each with its delivery (`alert`).',
            type: 'object',
            required: ['incidents'],
            properties: { incidents: { type: 'array', items: withAlertSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const query: IncidentQuery = { status: q.status ?? 'all', limit: q.limit ?? 50 };
      if (q.monitor !== undefined) query.monitorId = q.monitor;
      if (q.kind !== undefined) query.kind = q.kind as NonNullable<IncidentQuery['kind']>;
      if (q.before !== undefined) query.before = parseInstant(q.before, 'before');
      await ctx.runtime.engine.flush();
      const incidents = await ctx.store.incidents.list(query);
      const alerts = await alertViews(
        ctx.store.alerts,
        incidents.map((i) => i.id),
      );
      return { incidents: incidents.map((i) => ({ ...incidentView(i), alert: alerts.get(i.id) ?? null })) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/incidents/:id',
    {
      onRequest: ctx.requireRead,
      schema: {
        summary: 'An incident with its delivery operations and events',
        tags: ['incidents'],
        operationId: 'getIncident',
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: { id: { type: 'string', minLength: 1, maxLength: 300 } },
        },
        response: {
          200: {
            ...incidentDetailSchema,
            description: 'The incident, its outbox operations and its events.',
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      await ctx.runtime.engine.flush();
      const incident = await ctx.store.incidents.get(request.params.id);
      if (incident === undefined) {
        throw new VigilError('VIGIL_ERR_NOT_FOUND', `no incident \`${request.params.id}\``);
      }
      const events = await ctx.store.incidents.events(incident.id);
      const alert = (await alertViews(ctx.store.alerts, [incident.id])).get(incident.id) ?? null;
      const operations = alert === null ? [] : (await ctx.store.alerts.outbox(alert.id)).map(operationView);
      return {
        incident: { ...incidentView(incident), alert },
        operations,
        events: events.map((e) => ({ seq: e.seq, ...e.event, at: new Date(e.event.at).toISOString() })),
      };
    },
  );
};
