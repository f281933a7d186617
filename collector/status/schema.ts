// The JSON schema of GET /v1/status (collector/status/model.ts), for the route's documentation.
// Every field of the model is declared: a response schema makes Fastify's serializer drop what it
// does not name (the route sends the snapshot's pre-rendered body, but the schema must still say
// exactly what that body holds; test/status/status-api.test.ts validates a real body against it).
import { UPTIME_WINDOW_NAMES } from '../rollups/uptime.ts';

const nullableString = { type: ['string', 'null'] } as const;
const nullableNumber = { type: ['number', 'null'] } as const;

const windowTimesSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['start', 'end'],
  properties: {
    start: { type: 'string', format: 'date-time' },
    end: { type: 'string', format: 'date-time' },
  },
} as const;

const regionResultSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['region', 'ok', 'at', 'reason', 'message', 'status', 'responseTimeMs', 'mark'],
  properties: {
    region: { type: 'string' },
    ok: { type: 'boolean' },
    at: { type: 'string', format: 'date-time' },
    reason: nullableString,
    message: { type: 'string' },
    status: { type: ['integer', 'null'] },
    responseTimeMs: nullableNumber,
    mark: nullableString,
  },
} as const;

const openIncidentSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['id', 'kind', 'start', 'reason', 'issueUrl', 'suppressed'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    start: { type: 'string', format: 'date-time' },
    reason: nullableString,
    issueUrl: nullableString,
    suppressed: { type: 'boolean' },
  },
} as const;

export const monitorStatusSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'name',
    'url',
    'state',
    'since',
    'lastCheckAt',
    'uptime',
    'responseTime',
    'regions',
    'incident',
    'maintenance',
  ],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    url: {
      type: 'string',
      description: 'As written: secret references stay references, values never appear.',
    },
    state: { type: 'string' },
    since: { ...nullableString, description: 'When the current state was entered; null before any data.' },
    lastCheckAt: {
      ...nullableString,
      description: 'Start of the newest check of any region; null before the first result.',
    },
    uptime: {
      type: 'object',
      additionalProperties: false,
      required: UPTIME_WINDOW_NAMES,
      description: 'Percent (0..100) per window; null before the first result (no data yet).',
      properties: Object.fromEntries(UPTIME_WINDOW_NAMES.map((name) => [name, nullableNumber])),
    },
    responseTime: {
      type: 'object',
      additionalProperties: false,
      required: ['meanMs', 'p95Ms', 'checks'],
      properties: { meanMs: nullableNumber, p95Ms: nullableNumber, checks: { type: 'integer' } },
    },
    regions: { type: 'array', items: regionResultSchema },
    incident: openIncidentSchema,
    maintenance: {
      type: 'object',
      additionalProperties: false,
      required: ['ongoing', 'next'],
      description: 'The maintenance window on now, and the next one starting within 7 days.',
      properties: { ongoing: windowTimesSchema, next: windowTimesSchema },
    },
  },
} as const;

export const statusModelSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['generatedAt', 'overall', 'counts', 'monitors', 'runners', 'regions'],
  properties: {
    generatedAt: { type: 'string', format: 'date-time' },
    overall: {
      type: 'string',
      enum: ['operational', 'degraded', 'partial_outage', 'major_outage', 'unknown'],
    },
    counts: { type: 'object', additionalProperties: { type: 'integer' } },
    monitors: { type: 'array', items: monitorStatusSchema },
    runners: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['region', 'name', 'version', 'embedded', 'online', 'lastSeen'],
        properties: {
          region: { type: 'string' },
          name: { type: 'string' },
          version: { type: 'string' },
          embedded: { type: 'boolean' },
          online: { type: 'boolean' },
          lastSeen: { type: 'string', format: 'date-time' },
        },
      },
    },
    regions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['region', 'runners', 'online', 'impaired'],
        properties: {
          region: { type: 'string' },
          runners: { type: 'integer' },
          online: { type: 'integer' },
          impaired: { type: 'boolean' },
        },
      },
    },
  },
} as const;
