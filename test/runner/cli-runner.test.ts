// `vigil runner` as a real process: argument errors, signals, and what it prints. The runs against
// a real collector (registration line, wrong key, drain) are in test/e2e.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { holdRefusedPort } from '../probe/helpers/refused-port.ts';
import { CLI, runCli } from '../support/collector-process.ts';

const clean = { VIGIL_COLLECTOR_URL: undefined, VIGIL_REGION: undefined, VIGIL_REGION_KEY: undefined };

// Every test starts `node cli/main.ts runner`; on a loaded 2-core machine a start alone can take
// several seconds, so these get more than the default 30 s.
describe('vigil runner (process)', { timeout: 120_000 }, () => {
  it('prints its options with --help', async () => {
    const result = await runCli(['runner', '--help'], { env: clean });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: vigil runner --collector URL[,URL...] --region NAME --key KEY');
    expect(result.stdout).toContain('VIGIL_REGION_KEY');
  });

  it.each([
    [[], /--collector URL \(or VIGIL_COLLECTOR_URL\) is required/],
    [['--collector', 'http://127.0.0.1:1'], /--region NAME \(or VIGIL_REGION\) is required/],
    [['--collector', 'http://127.0.0.1:1', '--region', 'a'], /--key KEY \(or VIGIL_REGION_KEY\) is required/],
    [
      ['--collector', 'http://127.0.0.1:1', '--region', 'EU West', '--key', 'k'],
      /region `EU West` is not a region name/,
    ],
    [['--collector', 'ftp://x', '--region', 'a', '--key', 'k'], /collector URL must be http or https/],
    [
      ['--collector', 'http://127.0.0.1:1', '--region', 'a', '--key', 'k', '--concurrency', '0'],
      /--concurrency must be an integer from 1 to 10000/,
    ],
    [
      ['--collector', 'http://127.0.0.1:1', '--region', 'a', '--key', 'k', '--concurrency', 'many'],
      /--concurrency must be an integer/,
    ],
    [
      ['--collector', 'http://127.0.0.1:1', '--region', 'a', '--key', 'k', 'extra'],
      /unexpected argument `extra`/,
    ],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('exits 2 on bad arguments: %j', async (args, message) => {
    const result = await runCli(['runner', ...args], { env: clean });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('takes its settings from VIGIL_COLLECTOR_URL, VIGIL_REGION and VIGIL_REGION_KEY', async () => {
    const result = await runCli(['runner'], {
      env: { VIGIL_COLLECTOR_URL: 'http://127.0.0.1:1', VIGIL_REGION: 'Bad Region', VIGIL_REGION_KEY: 'k' },
    });
    // Collector and key were found in the environment; the region from it was checked.
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/region `Bad Region` is not a region name/);
  });

  it('exits 1 with VIGIL_ERR_CA_FILE when --ca-file cannot be read', async () => {
    const result = await runCli(
      [
        'runner',
        '--collector',
        'http://127.0.0.1:1',
        '--region',
        'a',
        '--key',
        'k',
        '--ca-file',
        '/nonexistent/ca.pem',
      ],
      { env: { ...clean, VIGIL_LOG_LEVEL: 'silent' } },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /vigil runner: VIGIL_ERR_CA_FILE: --ca-file is unusable: cannot read CA file \/nonexistent\/ca\.pem/,
    );
  });

  it('keeps retrying an unreachable collector, then stops cleanly on SIGTERM', async () => {
    // A port nobody can start listening on while the runner retries (a released one could be
    // taken by another test's server, which would answer the registration).
    const refused = await holdRefusedPort();
    const child = spawn(
      process.execPath,
      [CLI, 'runner', '--collector', `http://127.0.0.1:${refused.port}`, '--region', 'a', '--key', 'k'],
      {
        env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      // 'close', not 'exit': stderr may still hold the last lines when the process has exited.
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      // Two failed registrations logged as JSON lines with the typed code (the wait ends as soon as
      // they are there; the bound only keeps a broken runner from hanging the test).
      const end = Date.now() + 60_000;
      while ((stdout.match(/registration failed; retrying/g) ?? []).length < 2 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines[0]).toMatchObject({
        level: 40,
        component: 'runner',
        region: 'a',
        msg: 'registration failed; retrying',
      });
      expect((lines[0]!.err as { code: string }).code).toBe('VIGIL_ERR_UNREACHABLE');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/SIGTERM: draining/);
      expect(stderr).toMatch(/stopped: 0 checks run, 0 results stored, 0 lost, not deregistered/);
      expect(stderr).not.toMatch(/registered id=/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await refused.release();
    }
  });
});
