// The collector as a Fastify plugin: store, admin token, error handling and every route group.
// No listen here (server.ts does that), so tests drive it with `inject` and later features add
// route groups to routes.ts and migrations to store/sqlite/migrations/index.ts.
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import type { AppContext } from './api/context.ts';
import type { RoutePlugin } from './api/route.ts';
import type { CollectorConfig } from './config/config.ts';
import { createRuntime, type RuntimeOptions } from './engine/runtime.ts';
import { hashToken, requireAdmin, resolveAdminToken } from './http/auth.ts';
import { clientErrorHandler, serverTimeouts } from './http/client-errors.ts';
import { installErrorHandlers } from './http/errors.ts';
import { validatorCompiler } from './http/validation.ts';
import { SinkConfigError, validateSinks } from './incidents/registry.ts';
import { IncidentService, type IncidentServiceOptions } from './incidents/service.ts';
import { openapiOptions } from './openapi/document.ts';
import { ROUTE_PLUGINS } from './routes.ts';
import { requireRead } from './status/access.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/types.ts';
import { loadFingerprintKey } from './sync/fingerprint.ts';

declare module 'fastify' {
  interface FastifyInstance {
    vigil: AppContext;
    /** Every route registered by the collector, as declared (the route-table tests and the fuzzer read it). */
    vigilRoutes: readonly RouteOptions[];
  }
}

export interface AppOptions {
  config: CollectorConfig;
  /**
   * A store to use (and not close); by default the store at `config.databaseUrl` (PostgreSQL) or
   * the SQLite file `config.db` is opened and closed with the app.
   */
  store?: Store;
  now?: () => number;
  routes?: readonly RoutePlugin[];
  /** Engine tuning and test seams (fake clock and timers, seeded randomness). */
  runtime?: RuntimeOptions;
  /** Incident delivery tuning and test seams (sinks, tick and poll periods). */
  incidents?: Pick<IncidentServiceOptions, 'sinks' | 'tickMs' | 'pollMs' | 'concurrency'>;
}

async function vigilPlugin(app: FastifyInstance, options: AppOptions): Promise<void> {
  const now = options.now ?? Date.now;
  // A misconfigured incident sink stops the start before anything is opened.
  const sinkProblems = validateSinks(options.config);
  if (sinkProblems.length > 0) throw new SinkConfigError(sinkProblems);
  // A PostgreSQL URL takes precedence over the SQLite file (which then only places the spill).
  const location = options.config.databaseUrl ?? options.config.db;
  const store = options.store ?? (await openStore({ location, now }));
  const runtime = createRuntime(options.config, store, app.log, {
    ...(options.now === undefined ? {} : { clock: options.now }),
    ...options.runtime,
  });
  // Incident delivery records inside the engine's flushes: it starts before the engine and stops
  // after it, so the first and the last flush are recorded.
  const incidents = new IncidentService({
    config: options.config,
    store,
    clock: now,
    log: app.log.child({ component: 'incidents' }),
    // Outbox claims are held under the cluster member id, so a dead member's claims are released
    // when its heartbeat goes stale (ARCHITECTURE.md "Incident delivery in a cluster").
    owner: runtime.cluster.id,
    ...(options.runtime?.timers === undefined ? {} : { timers: options.runtime.timers }),
    ...options.incidents,
  });
  // Long-polling claims answer at once when closing starts; the engine stops and writes what it
  // buffered before the store closes.
  app.addHook('preClose', async () => runtime.beginClose());
  app.addHook('onClose', async () => {
    await runtime.stop();
    await incidents.stop();
    if (options.store === undefined) await store.close();
  });

  const token = await resolveAdminToken(options.config.adminToken, store.settings);
  const ctx: AppContext = {
    config: options.config,
    store,
    now,
    requireAdmin: requireAdmin(token.hash),
    requireRead: requireRead({
      public: options.config.statusPublic,
      hashes: [
        ...(options.config.statusToken === null ? [] : [hashToken(options.config.statusToken)]),
        token.hash,
      ],
    }),
    fingerprintKey: await loadFingerprintKey(store.settings),
    generatedAdminToken: token.generated,
    runtime,
    incidents,
  };
  app.decorate('vigil', ctx);
  const table: RouteOptions[] = [];
  app.decorate('vigilRoutes', table);
  app.addHook('onRoute', (route) => {
    table.push(route);
  });
  app.setValidatorCompiler(validatorCompiler);
  // Before any route: it collects them as they are added (GET /openapi.json, openapi/document.ts).
  await app.register(fastifySwagger, openapiOptions(options.config.statusPublic));
  // On close, answers to requests still in flight say `Connection: close`: otherwise their
  // keep-alive sockets would hold the close open until the keep-alive timeout (72 s).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  // The API speaks JSON only: any other body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  installErrorHandlers(app);
  for (const routes of options.routes ?? ROUTE_PLUGINS) {
    await app.register(async (scope) => routes(scope, ctx));
  }
  await incidents.start();
  await runtime.start();
}
// Like fastify-plugin: the decorations and handlers belong to the instance it is registered on.
(vigilPlugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
export const vigilApp = vigilPlugin;

export interface CreateAppOptions extends AppOptions {
  logger?: FastifyServerOptions['logger'];
  loggerInstance?: FastifyServerOptions['loggerInstance'];
}

/** A ready Fastify instance with the collector registered (not listening). */
export async function createApp(options: CreateAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: options.config.bodyLimit,
    // A request must be received (headers and body) within the timeout: 408, connection closed.
    requestTimeout: options.config.requestTimeoutMs,
    http: serverTimeouts(options.config.requestTimeoutMs),
    clientErrorHandler,
    ...(options.loggerInstance === undefined
      ? { logger: options.logger ?? false }
      : { loggerInstance: options.loggerInstance }),
    // Let in-flight requests finish on close; idle keep-alive sockets are closed at once.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  try {
    await app.register(vigilApp, options);
    await app.ready();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}
