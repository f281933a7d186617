import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';

/** A group of routes. app.ts registers every plugin of ROUTE_PLUGINS (./index.ts) in order. */
export type RoutePlugin = (app: FastifyInstance, ctx: AppContext) => Promise<void>;
