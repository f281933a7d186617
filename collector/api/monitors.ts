// Read access to the declared monitors. Specs hold secret references (`${NAME}`) as written;
// secret values live in a column no read path selects.
import { VigilError } from '../errors.ts';
import type { MonitorRecord } from '../store/types.ts';
import type { RoutePlugin } from './route.ts';
import { errorResponses, monitorViewSchema } from './schemas.ts';

export interface MonitorView {
  id: string;
  name: string;
  spec: MonitorRecord['spec'];
  revision: number;
  gitRevision: string | null;
  createdAt: string;
  updatedAt: string;
  /** Until scheduling exists every monitor is `pending` (no data yet). */
  state: string;
}

export function toView(record: MonitorRecord): MonitorView {
  return {
    id: record.id,
    name: record.name,
    spec: record.spec,
    revision: record.revision,
    gitRevision: record.gitRevision,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    state: 'pending',
  };
}

export const monitorRoutes: RoutePlugin = async (app, ctx) => {
  app.get(
    '/v1/monitors',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['monitors'],
            properties: { monitors: { type: 'array', items: monitorViewSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({ monitors: (await ctx.store.monitors.list()).map(toView) }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/monitors/:id',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 200: monitorViewSchema, ...errorResponses },
      },
    },
    async (request) => {
      const record = await ctx.store.monitors.get(request.params.id);
      if (record === undefined) {
        throw new VigilError('VIGIL_ERR_NOT_FOUND', `no monitor with id \`${request.params.id}\``);
      }
      return toView(record);
    },
  );
};
