// Sink configuration: the environment variables, the registry, and a misconfigured sink refusing
// to start the collector with a clear code.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../collector/app.ts';
import { DEFAULT_CONFIG, loadConfig } from '../../collector/config/config.ts';
import { createSinks, SinkConfigError, sinksFor, validateSinks } from '../../collector/incidents/registry.ts';
import { runCli } from '../support/collector-process.ts';

const deps = { now: Date.now, log: { warn() {}, info() {} } };

describe('incident sink configuration', () => {
  it('reads the VIGIL_GITHUB_*, VIGIL_WEBHOOK_* and VIGIL_PUBLIC_URL variables', async () => {
    const config = await loadConfig({
      env: {
        VIGIL_GITHUB_REPOSITORY: 'acme/ops',
        VIGIL_GITHUB_TOKEN: 'ghs_x',
        VIGIL_GITHUB_API_URL: 'https://ghe.example.invalid/api/v3',
        VIGIL_WEBHOOK_URL: 'https://hooks.example.invalid/vigil',
        VIGIL_WEBHOOK_SECRET: 'whsec',
        VIGIL_PUBLIC_URL: 'https://status.example.invalid',
        VIGIL_INCIDENT_RETRY_BASE_MS: '250',
        VIGIL_GITHUB_WRITE_SPACING_MS: '0',
      },
      cwd: '/tmp',
    });
    expect(config).toMatchObject({
      githubRepository: 'acme/ops',
      githubToken: 'ghs_x',
      githubApiUrl: 'https://ghe.example.invalid/api/v3',
      webhookUrl: 'https://hooks.example.invalid/vigil',
      webhookSecret: 'whsec',
      publicUrl: 'https://status.example.invalid',
      incidentRetryBaseMs: 250,
      githubWriteSpacingMs: 0,
    });
    const sinks = createSinks(config, deps);
    expect([...sinks.keys()]).toEqual(['github', 'webhook']);
    await Promise.all([...sinks.values()].map((s) => s.close?.()));
  });

  it('nothing configured: no sinks; incidents are only recorded', () => {
    expect(createSinks(DEFAULT_CONFIG, deps).size).toBe(0);
    expect(validateSinks(DEFAULT_CONFIG)).toEqual([]);
  });

  it("a monitor's alert.sinks picks among the configured ones", () => {
    expect(sinksFor(['github', 'webhook'], null)).toEqual(['github', 'webhook']);
    expect(sinksFor(['github', 'webhook'], ['webhook'])).toEqual(['webhook']);
    expect(sinksFor(['github'], ['webhook'])).toEqual([]);
    expect(sinksFor(['github', 'webhook'], [])).toEqual([]);
  });

  it('a misconfigured sink stops the collector from starting: VIGIL_ERR_CONFIG naming the setting', async () => {
    const config = { ...DEFAULT_CONFIG, githubRepository: 'acme', githubToken: null };
    expect(() => createSinks(config, deps)).toThrow(SinkConfigError);
    const dir = await mkdtemp(join(tmpdir(), 'vigil-sinks-'));
    try {
      const error = await createApp({
        config: {
          ...config,
          db: join(dir, 'vigil.db'),
          adminToken: 'admin-token-0123456789',
          embeddedRunner: false,
        },
      }).then(
        () => null,
        (e: unknown) => e as SinkConfigError,
      );
      expect(error).toBeInstanceOf(SinkConfigError);
      expect(error!.code).toBe('VIGIL_ERR_CONFIG');
      expect(error!.problems.map((p) => p.setting)).toEqual([
        'VIGIL_GITHUB_REPOSITORY',
        'VIGIL_GITHUB_TOKEN',
      ]);

      const result = await runCli(['collector'], {
        cwd: dir,
        env: {
          VIGIL_DB: join(dir, 'cli.db'),
          VIGIL_PORT: '0',
          VIGIL_ADMIN_TOKEN: 'admin-token-0123456789',
          VIGIL_EMBEDDED_RUNNER: 'false',
          VIGIL_GITHUB_REPOSITORY: 'acme/ops',
          VIGIL_GITHUB_TOKEN: undefined,
        },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('VIGIL_ERR_CONFIG');
      expect(result.stderr).toContain('VIGIL_GITHUB_TOKEN');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
