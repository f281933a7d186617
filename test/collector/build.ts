// build(): the collector app on a real SQLite file in a temp dir, driven with `inject`.
// Logs (pino JSON lines) are captured so tests can assert what was and was not logged.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { RoutePlugin } from '../../collector/api/route.ts';
import { createApp } from '../../collector/app.ts';
import { type CollectorConfig, DEFAULT_CONFIG } from '../../collector/config/config.ts';
import type { SyncRequest } from '../../schema/plan-types.ts';

export const TOKEN = 'test-admin-token-0123456789';

export interface Built {
  app: FastifyInstance;
  dir: string;
  config: CollectorConfig;
  logs(): string;
  sync(
    body: Partial<SyncRequest> & Record<string, unknown>,
    token?: string | null,
  ): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  /** Closes the app; the directory stays (restart with `build({ dir })`). */
  close(): Promise<void>;
  /** Closes and removes the directory. */
  destroy(): Promise<void>;
}

export interface BuildOptions {
  dir?: string;
  config?: Partial<CollectorConfig>;
  now?: () => number;
  routes?: readonly RoutePlugin[];
}

export async function build(options: BuildOptions = {}): Promise<Built> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'vigil-app-')));
  const config: CollectorConfig = {
    ...DEFAULT_CONFIG,
    db: join(dir, 'vigil.db'),
    adminToken: TOKEN,
    ...options.config,
  };
  let logs = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  const app = await createApp({
    config,
    logger: { level: 'debug', stream },
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.routes === undefined ? {} : { routes: options.routes }),
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
  };
  return {
    app,
    dir,
    config,
    logs: () => logs,
    sync: (body, token = TOKEN) =>
      app.inject({
        method: 'POST',
        url: '/v1/sync',
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
        payload: { revision: null, ...body },
      }),
    get: (url) => app.inject({ method: 'GET', url }),
    close,
    destroy: async () => {
      await close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
