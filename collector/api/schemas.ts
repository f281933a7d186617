// JSON schemas of the sync contract (schema/plan-types.ts), for request validation and for the
// response serializer (which also drops any property not declared here).

import { monitorStatusProperties } from '../api/runtime-views.ts';
import { apiErrorSchema } from '../http/errors.ts';

export const syncRequestSchema = {
  title: 'SyncRequest',
  type: 'object',
  required: ['revision', 'monitors'],
  additionalProperties: false,
  properties: {
    revision: { type: ['string', 'null'], maxLength: 200 },
    // Each monitor is validated by the monitor language itself, with positions and hints.
    monitors: { type: 'array', items: {} },
    secrets: { type: 'object', additionalProperties: { type: 'string' } },
    prune: { type: 'boolean' },
    dryRun: { type: 'boolean' },
    expectedPlanId: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

const fieldDiffSchema = {
  title: 'FieldDiff',
  type: 'object',
  required: ['path', 'before', 'after'],
  properties: {
    path: { type: 'string' },
    before: {},
    after: {},
    secretChanged: { type: 'boolean' },
  },
} as const;

const planChangeSchema = {
  title: 'PlanChange',
  type: 'object',
  required: ['action', 'id', 'name', 'diff'],
  properties: {
    action: { type: 'string' },
    id: { type: 'string' },
    name: { type: 'string' },
    from: { type: 'string' },
    diff: { type: 'array', items: fieldDiffSchema },
  },
} as const;

const countsSchema = {
  type: 'object',
  required: ['create', 'update', 'replace', 'rename', 'delete', 'unchanged'],
  properties: Object.fromEntries(
    ['create', 'update', 'replace', 'rename', 'delete', 'unchanged'].map((key) => [key, { type: 'integer' }]),
  ),
} as const;

export const syncPlanSchema = {
  title: 'SyncPlan',
  type: 'object',
  required: ['planId', 'revision', 'applied', 'changes', 'counts'],
  properties: {
    planId: { type: 'string' },
    revision: { type: ['string', 'null'] },
    applied: { type: 'boolean' },
    changes: { type: 'array', items: planChangeSchema },
    counts: countsSchema,
  },
} as const;

export const monitorViewSchema = {
  title: 'Monitor',
  type: 'object',
  required: ['id', 'name', 'spec', 'revision', 'gitRevision', 'createdAt', 'updatedAt', 'state'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    // MonitorSpec (schema/types.ts): secret references as written, never values.
    spec: { type: 'object', additionalProperties: true },
    revision: { type: 'integer' },
    gitRevision: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    state: { type: 'string' },
    // From the engine (collector/api/runtime-views.ts).
    ...monitorStatusProperties,
  },
} as const;

/** Error answers every route may give. */
export const errorResponses = {
  400: apiErrorSchema,
  401: apiErrorSchema,
  404: apiErrorSchema,
  409: apiErrorSchema,
  413: apiErrorSchema,
  415: apiErrorSchema,
  500: apiErrorSchema,
} as const;
