// POST /v1/sync: the declarative sync of the monitor set (see schema/plan-types.ts).
import { hasChanges } from '../../schema/plan.ts';
import type { SyncPlan, SyncRequest } from '../../schema/plan-types.ts';
import { errorResponses, syncPlanSchema, syncRequestSchema } from '../api/schemas.ts';
import { sync } from '../sync/sync-service.ts';
import type { RoutePlugin } from './route.ts';

export const syncRoutes: RoutePlugin = async (app, ctx) => {
  app.post<{ Body: SyncRequest; Reply: SyncPlan }>(
    '/v1/sync',
    {
      onRequest: ctx.requireAdmin,
      bodyLimit: ctx.config.syncBodyLimit,
      schema: {
        summary: 'Plan (dryRun) or apply the monitor set',
        description:
          'The collector is made to hold exactly `monitors` (with `prune`). `dryRun` only plans; `expectedPlanId` applies only the plan that was reviewed (409 otherwise). Invalid monitors answer 400 with `diagnostics`.',
        tags: ['sync'],
        operationId: 'sync',
        body: syncRequestSchema,
        response: { 200: { ...syncPlanSchema, description: 'The plan, applied or not.' }, ...errorResponses },
      },
    },
    async (request) => {
      const plan = await sync(
        { monitors: ctx.store.monitors, fingerprintKey: ctx.fingerprintKey, now: ctx.now },
        request.body,
      );
      request.log.info(
        { planId: plan.planId, revision: plan.revision, applied: plan.applied, counts: plan.counts },
        plan.applied ? 'sync applied' : 'sync planned',
      );
      // The engine picks the changes up before the answer: a monitor created now is scheduled.
      // An apply that changed nothing has nothing to reconcile (it would reload every monitor).
      if (plan.applied && hasChanges(plan.counts)) await ctx.runtime.engine.reconcile();
      return plan;
    },
  );
};
