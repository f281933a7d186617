// Every route group of the collector. Later features append theirs (runners, checks, incidents,
// status, metrics, badges) to this list.
import { healthRoutes } from './health.ts';
import { monitorRoutes } from './monitors.ts';
import type { RoutePlugin } from './route.ts';
import { syncRoutes } from './sync.ts';

export const ROUTE_PLUGINS: readonly RoutePlugin[] = [healthRoutes, syncRoutes, monitorRoutes];
