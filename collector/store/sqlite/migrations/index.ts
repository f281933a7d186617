// The ordered migration list. Append new migrations at the end (version = previous + 1); never
// edit or reorder released ones.
import type { Migration } from '../migrate.ts';
import { monitorsMigration } from './001-monitors.ts';
import { runtimeMigration } from './002-runtime.ts';
import { statusMigration } from './003-status.ts';
import { incidentDeliveryMigration } from './004-incident-delivery.ts';
import { runnerSessionsMigration } from './005-runner-sessions.ts';
import { firstResultMigration } from './006-first-result.ts';
import { clusterMigration } from './007-cluster.ts';
import { outboxClaimsMigration } from './008-outbox-claims.ts';

export const MIGRATIONS: readonly Migration[] = [
  monitorsMigration,
  runtimeMigration,
  statusMigration,
  incidentDeliveryMigration,
  runnerSessionsMigration,
  firstResultMigration,
  clusterMigration,
  outboxClaimsMigration,
];
