// Starts the background jobs of the status side with the app and stops them with it: retention
// pruning (job.ts) and, on the same cadence, the materialization of maintenance spans.
import type { RoutePlugin } from '../api/route.ts';
import { materializeMaintenance } from '../rollups/sqlite/maintenance-job.ts';
import { statusOf } from '../status/context.ts';
import type { SqliteDatabase } from '../store/sqlite/database.ts';
import { RetentionJob } from './job.ts';
import { SqliteRetention } from './sqlite.ts';

export const retentionJobs: RoutePlugin = async (app, ctx) => {
  const db = (ctx.store as { db?: SqliteDatabase }).db;
  if (db === undefined) return;
  const status = await statusOf(ctx);
  const prune = new SqliteRetention(db);
  const job = new RetentionJob({
    retention: prune,
    beforePass: async () => {
      await materializeMaintenance(db, await status.service.store.catalog(), ctx.now());
    },
    policy: {
      checksDays: ctx.config.retentionChecksDays,
      logsDays: ctx.config.retentionLogsDays,
      rollupsDays: ctx.config.retentionRollupsDays,
    },
    now: ctx.now,
    intervalMs: ctx.config.retentionIntervalMs,
    log: app.log,
  });
  app.addHook('onReady', async () => job.start());
  app.addHook('preClose', async () => job.stop());
};
