// One StatusService and one read-access hook per app instance, shared by the status, page, badge
// and metrics routes (each route group gets the same AppContext, so it is the key).
import type { onRequestHookHandler } from 'fastify';
import type { AppContext } from '../api/context.ts';
import { hashToken, TOKEN_HASH_KEY } from '../http/auth.ts';
import { requireRead } from './access.ts';
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
  const hashes: Buffer[] = [];
  if (ctx.config.statusToken !== null) hashes.push(hashToken(ctx.config.statusToken));
  if (ctx.config.adminToken !== null) hashes.push(hashToken(ctx.config.adminToken));
  else {
    const stored = await ctx.store.settings.get(TOKEN_HASH_KEY);
    if (stored !== undefined) hashes.push(Buffer.from(stored, 'hex'));
  }
  return {
    service: new StatusService({
      store: ctx.store.status,
      now: ctx.now,
      maxAgeMs: ctx.config.statusMaxAgeMs,
    }),
    requireRead: requireRead({ public: ctx.config.statusPublic, hashes }),
    public: ctx.config.statusPublic,
  };
}
