// The SSRF guard through the real entry points: `vigil check` as a process (environment and flag)
// and a real collector process whose embedded runner reads block_private_targets from its config.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../probe/index.ts';
import { applyMonitors, getJson, idDueSoon, waitFor } from '../e2e/support.ts';
import { startCollectorProcess } from '../support/collector-process.ts';
import { type CountingServer, startCountingServer } from './helpers/counting-server.ts';

const MAIN = resolve(import.meta.dirname, '../../cli/main.ts');

function vigilCheck(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...env };
    if (env.VIGIL_BLOCK_PRIVATE_TARGETS === undefined) delete childEnv.VIGIL_BLOCK_PRIVATE_TARGETS;
    execFile(
      process.execPath,
      [MAIN, 'check', ...args],
      { env: childEnv, timeout: 120_000 },
      (error, stdout) => {
        done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout });
      },
    );
  });
}

let target: CountingServer;
beforeAll(async () => {
  target = await startCountingServer('127.0.0.1');
});
afterAll(() => target.close());

describe('vigil check', () => {
  it('refuses a loopback target with VIGIL_BLOCK_PRIVATE_TARGETS=true or --block-private-targets', async () => {
    const before = target.accepted;
    const byEnv = await vigilCheck([target.url('/'), '--json'], { VIGIL_BLOCK_PRIVATE_TARGETS: 'true' });
    expect(byEnv.code).toBe(1);
    expect((JSON.parse(byEnv.stdout) as CheckResult).reason).toBe('target_blocked');
    const byFlag = await vigilCheck([target.url('/', 'localhost'), '--json', '--block-private-targets'], {});
    expect(byFlag.code).toBe(1);
    expect((JSON.parse(byFlag.stdout) as CheckResult).reason).toBe('target_blocked');
    expect(target.accepted).toBe(before);
    // Off (the default): the same target is up.
    expect((await vigilCheck([target.url('/')], {})).code).toBe(0);
    expect(target.accepted).toBe(before + 1);
  }, 120_000);

  it('is a usage error (exit 2) for a value it cannot read', async () => {
    expect((await vigilCheck([target.url('/')], { VIGIL_BLOCK_PRIVATE_TARGETS: 'sometimes' })).code).toBe(2);
    const badAllow = { VIGIL_BLOCK_PRIVATE_TARGETS: 'true', VIGIL_ALLOW_TARGETS: '10.0.0.0/99' };
    expect((await vigilCheck([target.url('/')], badAllow)).code).toBe(2);
  }, 120_000);
});

describe('the embedded runner', () => {
  it('stores target_blocked for a loopback monitor when the collector blocks private targets', async () => {
    const collector = await startCollectorProcess({ env: { VIGIL_BLOCK_PRIVATE_TARGETS: 'true' } });
    try {
      const before = target.accepted;
      const id = idDueSoon('guarded');
      await applyMonitors(
        collector,
        `monitors:\n  - id: ${id}\n    url: ${target.url('/')}\n    interval: 30s\n`,
      );
      const check = await waitFor(
        'the embedded runner to check the monitor',
        async () =>
          (
            await getJson<{ checks: { ok: boolean; reason: string | null }[] }>(
              collector,
              `v1/monitors/${id}/checks`,
            )
          ).checks[0],
        60_000,
      );
      expect(check).toMatchObject({ ok: false, reason: 'target_blocked' });
      expect(target.accepted).toBe(before);
    } finally {
      await collector.stop();
    }
  }, 120_000);
});
