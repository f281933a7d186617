// Read access to the declared monitors. Specs hold secret references (`${NAME}`) as written;
// secret values live in a column no read path selects.

import { errorResponses, monitorViewSchema } from '../api/schemas.ts';
import type { MonitorStatus } from '../engine/engine.ts';
import { VigilError } from '../http/errors.ts';
import type { MonitorRecord } from '../store/types.ts';
import type { RoutePlugin } from './route.ts';
import { iso, type MonitorStatusView, statusView } from './runtime-views.ts';

export interface MonitorView {
  id: string;
  name: string;
  spec: MonitorRecord['spec'];
  revision: number;
  gitRevision: string | null;
  createdAt: string;
  updatedAt: string;
  /** The verdict's state (`pending` until the first result). */
  state: string;
}

/** A monitor, with the engine's view of it when known (state, since, results, open incident). */
export function toView(
  record: MonitorRecord,
  status?: MonitorStatus,
): MonitorView & Partial<MonitorStatusView> {
  const base: MonitorView = {
    id: record.id,
    name: record.name,
    spec: record.spec,
    revision: record.revision,
    gitRevision: record.gitRevision,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    state: 'pending',
  };
  return status === undefined ? base : { ...base, ...statusView(status) };
}

export const monitorRoutes: RoutePlugin = async (app, ctx) => {
  app.get(
    '/v1/monitors',
    {
      onRequest: ctx.requireRead,
      schema: {
        summary: 'List the declared monitors with their state',
        tags: ['monitors'],
        operationId: 'listMonitors',
        response: {
          200: {
            description:
              'Every monitor (state, since and note; results and incident are in GET /v1/monitors/{id}).',
            type: 'object',
            required: ['monitors'],
            properties: { monitors: { type: 'array', items: monitorViewSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({
      // The list stays light: state, since and note; results and incident are in GET /:id.
      monitors: (await ctx.store.monitors.list()).map((record) => {
        const status = ctx.runtime.engine.status(record.id);
        const base = toView(record);
        return status === undefined
          ? base
          : { ...base, state: status.state, since: iso(status.since), note: status.note };
      }),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/monitors/:id',
    {
      onRequest: ctx.requireRead,
      schema: {
        summary: "A monitor, with the engine's view of it",
        tags: ['monitors'],
        operationId: 'getMonitor',
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: {
          200: {
            ...monitorViewSchema,
            description: 'The monitor, its last result per region and its open incident.',
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const record = await ctx.store.monitors.get(request.params.id);
      if (record === undefined) {
        throw new VigilError('VIGIL_ERR_NOT_FOUND', `no monitor with id \`${request.params.id}\``);
      }
      return toView(record, ctx.runtime.engine.status(record.id));
    },
  );
};
