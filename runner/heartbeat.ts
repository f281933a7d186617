// Heartbeats: every `heartbeatInterval` (what registration answered) the runner reports its jobs
// in flight and free slots. A heartbeat that finds the session gone registers again at once; one
// that answers a new token (the collector renewed the session past half its lifetime) switches
// every later call to it.

import { noop, type RunnerContext } from './context.ts';
import { classifyFailure, codeOf } from './errors.ts';
import type { Sessions } from './session.ts';

export class Heartbeat {
  readonly #ctx: RunnerContext;
  readonly #sessions: Sessions;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(ctx: RunnerContext, sessions: Sessions) {
    this.#ctx = ctx;
    this.#sessions = sessions;
  }

  /** Sets the next heartbeat (and each one sets the one after), until the runner gives up. */
  schedule(): void {
    const ctx = this.#ctx;
    if (ctx.giveUp.signal.aborted) return;
    const interval = Math.max(
      100,
      ctx.options.heartbeatIntervalMs ?? ctx.session?.heartbeatInterval ?? 15_000,
    );
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#beat().finally(() => this.schedule());
    }, interval);
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #beat(): Promise<void> {
    const ctx = this.#ctx;
    const current = ctx.session;
    if (current === null) {
      // Lost the session while idle (all slots busy, or between claims): get a new one.
      void this.#sessions.get().catch(noop);
      return;
    }
    const busy = ctx.inFlight.size;
    const free = ctx.stopping.signal.aborted ? 0 : Math.max(0, ctx.concurrency - busy);
    try {
      const answer = await ctx.transport.heartbeat(current.token, { inFlight: busy, free });
      ctx.counters.heartbeats += 1;
      if (typeof answer?.token === 'string' && ctx.session === current) {
        current.token = answer.token;
        current.expiresAt = typeof answer.expiresAt === 'number' ? answer.expiresAt : null;
        current.renewals += 1;
        ctx.log.info({ runnerId: current.runnerId, expiresAt: current.expiresAt }, 'session renewed');
      }
    } catch (error) {
      if (ctx.giveUp.signal.aborted) return;
      ctx.counters.callFailures += 1;
      if (classifyFailure(error, 'session') === 'reregister') {
        this.#sessions.forget(current);
        void this.#sessions.get().catch(noop);
        return;
      }
      ctx.log.warn({ err: error, code: codeOf(error) }, 'heartbeat failed');
    }
  }
}
