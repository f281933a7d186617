// Starting the collector's embedded runner (region `local`): the runner helper's runner loop
// (runner/embedded.ts) over this app's in-process transport, so embedded and remote
// runners take one claim/result code path. server.ts calls this after listening, unless
// VIGIL_EMBEDDED_RUNNER=false, and stops it (drain) before closing the app.
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../../common/version.ts';
import { TargetGuard } from '../../probe/target-guard.ts';
import type { EmbeddedRunner } from '../../runner/protocol.ts';
import type { CollectorConfig } from '../config/config.ts';

export const EMBEDDED_REGION = 'local';
export const EMBEDDED_NAME = 'embedded';

export async function startEmbedded(app: FastifyInstance, config: CollectorConfig): Promise<EmbeddedRunner> {
  const { startEmbeddedRunner } = await import('../../runner/embedded.ts');
  return startEmbeddedRunner({
    transport: app.vigil.runtime.transport,
    region: EMBEDDED_REGION,
    name: EMBEDDED_NAME,
    version: VERSION,
    concurrency: config.embeddedConcurrency,
    logger: app.log.child({ component: 'embedded-runner' }),
    targetGuard: config.blockPrivateTargets ? new TargetGuard({ allow: config.allowTargets }) : null,
  });
}
