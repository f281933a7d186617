import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../collector/config/config.ts';
import { bearerMatches, hashToken } from '../../collector/http/auth.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('collector config', () => {
  it('has the documented defaults', async () => {
    const config = await loadConfig({ env: {}, cwd: dir });
    expect(config).toEqual({ ...DEFAULT_CONFIG, db: join(dir, 'vigil.db') });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.syncBodyLimit).toBe(10 * 1024 * 1024);
  });

  it('reads a YAML file (paths relative to it), then lets VIGIL_* variables win', async () => {
    const file = join(dir, 'collector.yml');
    await writeFile(file, 'port: 9000\nhost: 0.0.0.0\ndb: data/v.db\nadmin_token: file-token-0123456789\n');
    const fromFile = await loadConfig({ file, env: {}, cwd: '/' });
    expect(fromFile).toMatchObject({ port: 9000, host: '0.0.0.0', db: join(dir, 'data/v.db') });
    expect(fromFile.adminToken).toBe('file-token-0123456789');
    const withEnv = await loadConfig({
      file,
      env: { VIGIL_PORT: '0', VIGIL_DB: 'x.db', VIGIL_ADMIN_TOKEN: 'env-token-0123456789' },
      cwd: dir,
    });
    expect(withEnv).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      db: join(dir, 'x.db'),
      adminToken: 'env-token-0123456789',
    });
  });

  it('reads JSON files', async () => {
    const file = join(dir, 'collector.json');
    await writeFile(file, JSON.stringify({ port: 1234, log_level: 'warn' }));
    expect(await loadConfig({ file, env: {} })).toMatchObject({ port: 1234, logLevel: 'warn' });
  });

  it.each([
    [{ VIGIL_PORT: '70000' }, /VIGIL_PORT: expected an integer from 0 to 65535/],
    [{ VIGIL_PORT: 'eighty' }, /VIGIL_PORT/],
    [{ VIGIL_LOG_LEVEL: 'loud' }, /VIGIL_LOG_LEVEL: log level must be one of/],
    [{ VIGIL_ADMIN_TOKEN: 'short' }, /VIGIL_ADMIN_TOKEN: the admin token must be at least 16/],
    [{ VIGIL_SYNC_BODY_LIMIT: '12' }, /VIGIL_SYNC_BODY_LIMIT/],
  ])('refuses %o with a ConfigError naming the variable', async (env, message) => {
    const error = await loadConfig({ env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('VIGIL_ERR_CONFIG');
    expect((error as Error).message).toMatch(message);
  });

  it('refuses unknown file keys and unreadable files', async () => {
    const file = join(dir, 'bad.yml');
    await writeFile(file, 'prot: 80\n');
    await expect(loadConfig({ file, env: {} })).rejects.toThrow(/unknown key `prot`/);
    await expect(loadConfig({ file: join(dir, 'missing.yml'), env: {} })).rejects.toThrow(/ENOENT/);
    await writeFile(file, '- a\n');
    await expect(loadConfig({ file, env: {} })).rejects.toThrow(/expected a mapping/);
  });
});

describe('admin token check', () => {
  const expected = hashToken('the-right-token-123');
  it.each([
    ['Bearer the-right-token-123', true],
    ['bearer the-right-token-123', true],
    ['Bearer the-right-token-12', false],
    ['Bearer the-right-token-1234', false],
    ['the-right-token-123', false],
    ['Basic the-right-token-123', false],
    ['Bearer ', false],
    [undefined, false],
  ])('%s → %s', (header, ok) => {
    expect(bearerMatches(header, expected)).toBe(ok);
  });
});
