// The runner's session with the collector: registered on first need, registered again when the
// collector no longer knows it (RUNNER_UNKNOWN), retried with backoff while the collector is
// unreachable, and fatal only when the collector refuses the registration for good.

import { noop, type RunnerContext, StoppedError, sleep } from './context.ts';
import { classifyFailure, codeOf, RUNNER_ERROR_CODES, RunnerFatalError } from './errors.ts';
import type { RegisterResponse } from './protocol.ts';
import type { RunnerSession } from './types.ts';

export class Sessions {
  readonly #ctx: RunnerContext;
  #pending: Promise<RunnerSession> | null = null;

  constructor(ctx: RunnerContext) {
    this.#ctx = ctx;
  }

  /** The current session, registering (once, shared by concurrent callers) when there is none. */
  get(): Promise<RunnerSession> {
    const ctx = this.#ctx;
    if (ctx.session !== null) return Promise.resolve(ctx.session);
    if (ctx.fatal !== null) return Promise.reject(ctx.fatal);
    this.#pending ??= this.#registerLoop().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  /** The collector no longer knows `stale`: forget it so the next call registers again. */
  forget(stale: RunnerSession): void {
    const ctx = this.#ctx;
    if (ctx.session === stale) {
      ctx.session = null;
      ctx.log.warn(
        { runnerId: stale.runnerId },
        'the collector no longer knows this runner; registering again',
      );
    }
  }

  async #registerLoop(): Promise<RunnerSession> {
    const ctx = this.#ctx;
    const { transport, region, name, version, concurrency, counters, log } = ctx;
    for (let failures = 0; ; failures++) {
      if (ctx.giveUp.signal.aborted) throw new StoppedError('stopped before registering');
      try {
        const answer = await transport.register({ region, name, version, concurrency });
        checkRegisterResponse(answer);
        if (ctx.giveUp.signal.aborted) {
          // Stopped while the answer was on its way: hand the session straight back.
          await transport.deregister(answer.token).catch(noop);
          throw new StoppedError('stopped before registering');
        }
        counters.registrations += 1;
        const session: RunnerSession = {
          runnerId: answer.runnerId,
          token: answer.token,
          expiresAt: typeof answer.expiresAt === 'number' ? answer.expiresAt : null,
          region,
          name,
          concurrency,
          heartbeatInterval: answer.heartbeatInterval,
          maxClaimWait: answer.maxClaimWait,
          registration: counters.registrations,
          renewals: 0,
        };
        ctx.session = session;
        log.info(
          { runnerId: answer.runnerId, region, name, concurrency, registration: counters.registrations },
          counters.registrations === 1 ? 'registered' : 'registered again',
        );
        ctx.readyResolve(session);
        try {
          ctx.options.onRegistered?.(session);
        } catch (error) {
          log.error({ err: error }, 'onRegistered threw');
        }
        if (ctx.state === 'starting') ctx.state = 'running';
        return session;
      } catch (error) {
        if (ctx.giveUp.signal.aborted) throw new StoppedError('stopped before registering');
        counters.callFailures += 1;
        if (classifyFailure(error, 'register') === 'fatal') {
          const code = codeOf(error) ?? RUNNER_ERROR_CODES.registerRefused;
          const message =
            code === RUNNER_ERROR_CODES.unauthorized
              ? (error as Error).message
              : `the collector refused to register runner ${name} in region ${region}: ${(error as Error).message}`;
          ctx.fail(new RunnerFatalError(code, message, { cause: error }));
          throw ctx.fatal;
        }
        const delay = ctx.retryDelay(error, failures);
        log.warn({ err: error, attempt: failures + 1, retryInMs: delay }, 'registration failed; retrying');
        await sleep(delay, ctx.giveUp.signal);
      }
    }
  }
}

function checkRegisterResponse(answer: RegisterResponse): void {
  if (
    typeof answer?.runnerId !== 'string' ||
    typeof answer.token !== 'string' ||
    typeof answer.heartbeatInterval !== 'number' ||
    typeof answer.maxClaimWait !== 'number'
  ) {
    throw Object.assign(new Error('the collector answered the registration without a session'), {
      code: RUNNER_ERROR_CODES.badResponse,
    });
  }
}
