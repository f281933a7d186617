// Starts the background jobs of the status side with the app and stops them with it: retention
// pruning (job.ts) and, on the same cadence, the materialization of maintenance spans.
import type { RoutePlugin } from '../api/route.ts';
import { statusOf } from '../status/context.ts';
import { RetentionJob } from './job.ts';

export const retentionJobs: RoutePlugin = async (app, ctx) => {
  const status = await statusOf(ctx);
  const retention = ctx.store.retention;
  const job = new RetentionJob({
    retention,
    beforePass: async () => {
      await retention.materializeMaintenance(await status.service.store.catalog(), ctx.now());
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
