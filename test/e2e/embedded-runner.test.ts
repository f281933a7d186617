// End to end: the collector's embedded runner (region `local`) is the same runner loop over the
// in-process transport. It probes with its region in the User-Agent, is listed by GET /v1/runners,
// and when the collector stops it drains: the check in flight finishes and is stored first.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../common/version.ts';
import { startCollectorProcess } from '../support/collector-process.ts';
import { applyMonitors, getJson, idDueSoon, startFlipTarget, waitFor } from './support.ts';

interface CheckView {
  at: string;
  region: string;
  runner: string | null;
  ok: boolean;
  purpose: string;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('embedded runner end to end', () => {
  it('probes from region local, and drains its check in flight when the collector stops', async () => {
    const target = await startFlipTarget();
    cleanups.push(() => target.close());
    cleanups.push(async () => target.releaseHung());
    const dir = await mkdtemp(join(tmpdir(), 'vigil-e2e-embedded-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const token = 'e2e-embedded-admin-token-0123456789';
    const collector = await startCollectorProcess({ dir, token, env: { VIGIL_LOG_LEVEL: 'info' } });
    cleanups.push(() => collector.stop('SIGKILL'));

    const runners = (
      await getJson<{
        runners: { region: string; name: string; embedded: boolean; online: boolean; version: string }[];
      }>(collector, 'v1/runners')
    ).runners;
    expect(runners).toHaveLength(1);
    expect(runners[0]).toMatchObject({
      region: 'local',
      name: 'embedded',
      embedded: true,
      online: true,
      version: VERSION,
    });

    const id = idDueSoon('e2e-embedded');
    target.set('/embedded', 'hang');
    await applyMonitors(
      collector,
      `monitors:\n  - id: ${id}\n    url: ${target.url('/embedded')}\n    interval: 30s\n    timeout: 20s\n`,
    );
    const hit = await waitFor('the embedded runner to probe', () => target.hitsOf('/embedded')[0], 60_000);
    expect(hit.region).toBe('local');

    // Stop the collector while the check is held by the target: it waits for the runner to drain.
    const exited = new Promise<number | null>((resolve) =>
      collector.child.once('exit', (code) => resolve(code)),
    );
    collector.child.kill('SIGTERM');
    // It got the signal (a loaded machine may take a moment to act on it), and a while after it
    // has still not exited: it waits for the check the target holds (well within its 20 s timeout).
    await waitFor(
      'the collector to start closing',
      () => (collector.stdout().includes('"msg":"closing"') ? true : undefined),
      10_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(collector.child.exitCode).toBeNull();
    target.set('/embedded', 'ok');
    target.releaseHung();
    expect(await exited).toBe(0);

    // On the same data, the drained check is there.
    const again = await startCollectorProcess({ dir, token, env: { VIGIL_EMBEDDED_RUNNER: 'false' } });
    cleanups.push(() => again.stop());
    const stored = (await getJson<{ checks: CheckView[] }>(again, `v1/monitors/${id}/checks`)).checks;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ region: 'local', ok: true, purpose: 'scheduled' });
    expect(target.hitsOf('/embedded')).toHaveLength(1);
  }, 120_000);
});
