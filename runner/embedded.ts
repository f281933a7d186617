// The collector's embedded runner (region `local`): the same runner loop as `vigil runner`, over
// the in-process transport the collector hands in, so there is one claim/result code path.
import type { EmbeddedRunner, StartEmbeddedRunner } from './protocol.ts';
import { type RunnerStats, startRunner } from './runner.ts';

/** How long the collector's start waits for the first registration before going on without it. */
const READY_WAIT_MS = 10_000;

export const startEmbeddedRunner: StartEmbeddedRunner = async (options): Promise<EmbeddedRunner> => {
  const runner = startRunner({
    transport: options.transport,
    region: options.region,
    name: options.name,
    version: options.version,
    concurrency: options.concurrency,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    targetGuard: options.targetGuard ?? null,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slow = new Promise<'slow'>((resolve) => {
    timer = setTimeout(() => resolve('slow'), READY_WAIT_MS);
  });
  try {
    // A refused registration is fatal (thrown to the collector's start); a slow one keeps
    // retrying in the background while the collector goes on.
    await Promise.race([runner.ready, slow]);
  } finally {
    clearTimeout(timer);
  }
  const embedded: EmbeddedRunner & { stats(): RunnerStats } = {
    stop: () => runner.stop(),
    stats: () => runner.stats(),
  };
  return embedded;
};
