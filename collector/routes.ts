// Every route group of the collector. Later features append theirs (runners, checks, incidents,
// status, metrics, badges) to this list.

import { checkRoutes } from './api/checks.ts';
import { engineRoutes } from './api/engine.ts';
import { healthRoutes } from './api/health.ts';
import { incidentRoutes } from './api/incidents.ts';
import { internalRoutes } from './api/internal.ts';
import { monitorRoutes } from './api/monitors.ts';
import type { RoutePlugin } from './api/route.ts';
import { runnerRoutes } from './api/runners.ts';
import { syncRoutes } from './api/sync.ts';
import { badgeRoutes } from './badges/routes.ts';
import { feedRoutes } from './feed/routes.ts';
import { metricsRoutes } from './metrics/routes.ts';
import { openapiRoutes } from './openapi/routes.ts';
import { retentionJobs } from './retention/plugin.ts';
import { statusRoutes } from './status/routes.ts';
import { pageRoutes } from './web/routes.ts';

export const ROUTE_PLUGINS: readonly RoutePlugin[] = [
  healthRoutes,
  syncRoutes,
  monitorRoutes,
  runnerRoutes,
  internalRoutes,
  checkRoutes,
  incidentRoutes,
  engineRoutes,
  statusRoutes,
  pageRoutes,
  badgeRoutes,
  feedRoutes,
  metricsRoutes,
  openapiRoutes,
  retentionJobs,
];
