// What every route plugin gets: configuration, the store, the clock and the admin check. Later
// features (scheduler, runners, incidents) add their members here.
import type { KeyObject } from 'node:crypto';
import type { onRequestHookHandler } from 'fastify';
import type { CollectorConfig } from '../config/config.ts';
import type { Runtime } from '../engine/runtime.ts';
import type { IncidentService } from '../incidents/service.ts';
import type { Store } from '../store/types.ts';

export interface AppContext {
  config: CollectorConfig;
  store: Store;
  now: () => number;
  /** onRequest hook: 401 unless the request carries the admin token. */
  requireAdmin: onRequestHookHandler;
  /**
   * onRequest hook of every read route: nothing while the status is public; when it is private
   * (VIGIL_STATUS_PUBLIC=false), 401 unless the request carries the read or the admin token.
   */
  requireRead: onRequestHookHandler;
  /** Key for secret fingerprints (see sync/fingerprint.ts). */
  fingerprintKey: KeyObject;
  /** The admin token generated at this start, to print once; null otherwise. */
  generatedAdminToken: string | null;
  /** Engine (scheduler, verdict, job queue), runner registry and service, embedded transport. */
  runtime: Runtime;
  /** Incident delivery: alerts, outbox worker, sinks. */
  incidents: IncidentService;
}
