// One StatusService per app instance, with the app's read-access hook, shared by the status, page, badge
// and metrics routes (each route group gets the same AppContext, so it is the key).
import type { onRequestHookHandler } from 'fastify';
import type { AppContext } from '../api/context.ts';
import { StatusService } from './service.ts';

export interface StatusContext {
  service: StatusService;
  requireRead: onRequestHookHandler;
  public: boolean;
}

const contexts = new WeakMap<AppContext, Promise<StatusContext>>();

export function statusOf(ctx: AppContext): Promise<StatusContext> {
  let found = contexts.get(ctx);
  if (found === undefined) {
    found = create(ctx);
    contexts.set(ctx, found);
  }
  return found;
}

async function create(ctx: AppContext): Promise<StatusContext> {
  return {
    service: new StatusService({
      store: ctx.store.status,
      now: ctx.now,
      maxAgeMs: ctx.config.statusMaxAgeMs,
    }),
    // The app's one read hook (read or admin token when the status is private).
    requireRead: ctx.requireRead,
    public: ctx.config.statusPublic,
  };
}
