// Every route group of the collector. Later features append theirs (runners, checks, incidents,
// status, metrics, badges) to this list.
import { badgeRoutes } from '../badges/routes.ts';
import { metricsRoutes } from '../metrics/routes.ts';
import { retentionJobs } from '../retention/plugin.ts';
import { statusRoutes } from '../status/routes.ts';
import { pageRoutes } from '../web/routes.ts';
import { checkRoutes } from './checks.ts';
import { engineRoutes } from './engine.ts';
import { healthRoutes } from './health.ts';
import { incidentRoutes } from './incidents.ts';
import { monitorRoutes } from './monitors.ts';
import type { RoutePlugin } from './route.ts';
import { runnerRoutes } from './runners.ts';
import { syncRoutes } from './sync.ts';

export const ROUTE_PLUGINS: readonly RoutePlugin[] = [
  healthRoutes,
  syncRoutes,
  monitorRoutes,
  runnerRoutes,
  checkRoutes,
  incidentRoutes,
  engineRoutes,
  statusRoutes,
  pageRoutes,
  badgeRoutes,
  metricsRoutes,
  retentionJobs,
];
