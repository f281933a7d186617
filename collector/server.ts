// The collector process: build the app, listen, log with pino (JSON lines on stdout), and close
// gracefully on SIGINT/SIGTERM (in-flight requests finish, the store closes). Human lines go to
// stderr: the bound address on a line tools can parse, and a generated admin token, once.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createApp } from './app.ts';
import type { CollectorConfig } from './config/config.ts';
import { EMBEDDED_REGION, startEmbedded } from './engine/embedded-runner.ts';
import { tuneHeapGrowth } from './engine/heap.ts';

/** Printed on stderr once listening; `collector-process.ts` and scripts parse it. */
export const LISTENING_PREFIX = 'vigil collector: listening on ';
export const EMBEDDED_PREFIX = 'vigil collector: embedded runner in region ';
export const TOKEN_PREFIX = 'vigil collector: generated admin token (shown once, store it now): ';

export interface RunningCollector {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function startCollector(
  config: CollectorConfig,
  print: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<RunningCollector> {
  tuneHeapGrowth();
  const app = await createApp({ config, logger: { level: config.logLevel } });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    throw error;
  }
  const url = urlOf(app.server.address() as AddressInfo);
  if (app.vigil.generatedAdminToken !== null) {
    print(`${TOKEN_PREFIX}${app.vigil.generatedAdminToken}`);
    app.vigil.generatedAdminToken = null;
  }
  // The embedded runner (region `local`) drains before the app closes: its last results count.
  let embedded: Awaited<ReturnType<typeof startEmbedded>> | null = null;
  if (config.embeddedRunner) {
    try {
      embedded = await startEmbedded(app, config);
    } catch (error) {
      await app.close();
      throw error;
    }
    print(`${EMBEDDED_PREFIX}${EMBEDDED_REGION} (concurrency ${config.embeddedConcurrency})`);
  }
  print(`${LISTENING_PREFIX}${url}`);
  return {
    app,
    url,
    close: async () => {
      await embedded?.stop();
      await app.close();
    },
  };
}

/** Runs until SIGINT or SIGTERM, then closes; a second signal exits at once. Returns the exit code. */
export async function runCollector(config: CollectorConfig): Promise<number> {
  // Listen for the signals before the listening line is printed: a supervisor that stops the
  // collector as soon as it reads that line must get the graceful close, not the default action
  // of an unhandled SIGTERM (immediate death). A signal during the start closes right after it.
  const force = () => process.exit(1);
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      resolve(signal);
    };
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let collector: RunningCollector;
  try {
    collector = await startCollector(config);
  } catch (error) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', force);
    process.off('SIGTERM', force);
    throw error;
  }
  const signal = await signalled;
  collector.app.log.info({ signal }, 'closing');
  await collector.close();
  collector.app.log.info('closed');
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  return 0;
}
