// Runner sessions are bound to the region key that made them, live a bounded time (renewed by
// heartbeats) and are stored as a sha256 only. The collector app on a real SQLite file with a fake
// clock; restarts reopen the same file with another configuration.
import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../collector/config/config.ts';
import type { HeartbeatResponse } from '../../runner/protocol.ts';
import type { ApiError } from '../../schema/plan-types.ts';
import { FakeClock } from './fake-clock.ts';
import { type Harness, harness, type Runner, START } from './harness.ts';

const OLD_KEY = 'region-a-old-key-0123456789';
const NEW_KEY = 'region-a-new-key-9876543210';
const B_KEY = 'region-b-key-abcdefghijklmnop';

let open: Harness[] = [];
const dirs: string[] = [];
async function make(options: Parameters<typeof harness>[0] = {}): Promise<Harness> {
  const h = await harness(options);
  open.push(h);
  return h;
}
afterEach(async () => {
  for (const h of open.reverse()) await h.destroy();
  open = [];
  const { rm } = await import('node:fs/promises');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function heartbeat(h: Harness, token: string): Promise<LightMyRequestResponse> {
  return h.app.inject({
    method: 'POST',
    url: '/v1/runners/heartbeat',
    headers: { authorization: `Bearer ${token}` },
    payload: { inFlight: 0, free: 10 },
  });
}

function claim(h: Harness, token: string): Promise<LightMyRequestResponse> {
  return h.app.inject({
    method: 'POST',
    url: '/v1/runners/claim',
    headers: { authorization: `Bearer ${token}` },
    payload: { max: 1, wait: 0, inFlight: 0 },
  });
}

function codeOf(response: LightMyRequestResponse): string {
  return (response.json() as ApiError).code;
}

/** Registers in region `a` with `key`, then closes the app (its session is flushed to the file). */
async function sessionThenClose(key: string, keys: string): Promise<{ dir: string; runner: Runner }> {
  const clock = new FakeClock(START);
  const first = await harness({ regionKeys: keys, clock });
  const runner = await first.register('a', 'a-1', key);
  await first.close();
  dirs.push(first.dir);
  return { dir: first.dir, runner };
}

describe('runner sessions and region keys', () => {
  it('refuses a session after its region key was rotated and the collector restarted (heartbeat and claim)', async () => {
    const { dir, runner } = await sessionThenClose(OLD_KEY, `a:${OLD_KEY},b:${B_KEY}`);
    const h = await make({ dir, regionKeys: `a:${NEW_KEY},b:${B_KEY}`, clock: new FakeClock(START + 1000) });

    const beat = await heartbeat(h, runner.token);
    expect(beat.statusCode).toBe(401);
    expect(codeOf(beat)).toBe('VIGIL_ERR_RUNNER_UNKNOWN');
    const claimed = await claim(h, runner.token);
    expect(claimed.statusCode).toBe(401);
    expect(codeOf(claimed)).toBe('VIGIL_ERR_RUNNER_UNKNOWN');

    // The old key no longer registers; the new one does, and its session works.
    const old = await h.registerRaw({ region: 'a', name: 'a-1', version: '1', concurrency: 1 }, OLD_KEY);
    expect(old.statusCode).toBe(401);
    const fresh = await h.register('a', 'a-1', NEW_KEY);
    expect((await heartbeat(h, fresh.token)).statusCode).toBe(200);
  });

  it('refuses a session whose region key was removed', async () => {
    const { dir, runner } = await sessionThenClose(OLD_KEY, `a:${OLD_KEY},b:${B_KEY}`);
    const h = await make({ dir, regionKeys: `b:${B_KEY}`, clock: new FakeClock(START + 1000) });
    const claimed = await claim(h, runner.token);
    expect(claimed.statusCode).toBe(401);
    expect(codeOf(claimed)).toBe('VIGIL_ERR_RUNNER_UNKNOWN');
  });

  it('keeps a session across a restart when its key is unchanged', async () => {
    const { dir, runner } = await sessionThenClose(OLD_KEY, `a:${OLD_KEY}`);
    const h = await make({ dir, regionKeys: `a:${OLD_KEY}`, clock: new FakeClock(START + 1000) });
    expect((await heartbeat(h, runner.token)).statusCode).toBe(200);
    expect((await claim(h, runner.token)).statusCode).toBe(200);
  });

  it('stores the sha256 of the token and never the token itself', async () => {
    const { dir, runner } = await sessionThenClose(OLD_KEY, `a:${OLD_KEY}`);
    const db = new DatabaseSync(`${dir}/vigil.db`, { readOnly: true });
    try {
      const rows = db.prepare('SELECT * FROM runners').all() as Record<string, unknown>[];
      expect(rows).toHaveLength(1);
      const text = JSON.stringify(rows);
      expect(text).not.toContain(runner.token);
      expect(text).not.toContain(runner.token.replace(/^vigil_rs_/, ''));
      expect(text).not.toContain(OLD_KEY);
      expect(rows[0]!.token_hash).toBe(createHash('sha256').update(runner.token).digest('hex'));
      expect(rows[0]!.key_fingerprint).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      db.close();
    }
  });
});

describe('runner session lifetime', () => {
  const TTL = 120_000;

  it('renews the session on a heartbeat past half its lifetime; the old token keeps working for a grace minute', async () => {
    const h = await make({ regionKeys: `a:${OLD_KEY}`, config: { runnerSessionTtlMs: TTL } });
    const runner = await h.register('a', 'a-1', OLD_KEY);
    runner.silent = true;

    await h.clock.advance(10_000);
    const early = await heartbeat(h, runner.token);
    expect(early.statusCode).toBe(200);
    expect((early.json() as HeartbeatResponse).token).toBeUndefined();

    await h.clock.advance(55_000); // 65 s: past half of 120 s
    const renewed = await heartbeat(h, runner.token);
    expect(renewed.statusCode).toBe(200);
    const answer = renewed.json() as HeartbeatResponse;
    expect(answer.token).toMatch(/^vigil_rs_/);
    expect(answer.token).not.toBe(runner.token);
    expect(answer.expiresAt).toBe(h.clock.now() + TTL);

    // Both tokens work for now; after the grace only the new one does.
    expect((await claim(h, runner.token)).statusCode).toBe(200);
    expect((await claim(h, answer.token!)).statusCode).toBe(200);
    await h.clock.advance(61_000);
    expect((await claim(h, runner.token)).statusCode).toBe(401);
    expect((await claim(h, answer.token!)).statusCode).toBe(200);
  });

  it('ends a session that was not renewed within its lifetime: 401 RUNNER_UNKNOWN, then registering again works', async () => {
    const h = await make({ regionKeys: `a:${OLD_KEY}`, config: { runnerSessionTtlMs: TTL } });
    const runner = await h.register('a', 'a-1', OLD_KEY);
    runner.silent = true;
    await h.clock.advance(TTL + 1);
    const claimed = await claim(h, runner.token);
    expect(claimed.statusCode).toBe(401);
    expect(codeOf(claimed)).toBe('VIGIL_ERR_RUNNER_UNKNOWN');
    expect((claimed.json() as ApiError).message).toContain('expired');
    // Ended for good: a renewal cannot revive it.
    expect((await heartbeat(h, runner.token)).statusCode).toBe(401);
    const again = await h.register('a', 'a-1', OLD_KEY);
    expect((await claim(h, again.token)).statusCode).toBe(200);
  });

  it('refuses at start a stored session whose lifetime ended while the collector was down', async () => {
    const clock = new FakeClock(START);
    const first = await harness({ regionKeys: `a:${OLD_KEY}`, clock, config: { runnerSessionTtlMs: TTL } });
    const runner = await first.register('a', 'a-1', OLD_KEY);
    await first.close();
    dirs.push(first.dir);
    const h = await make({
      dir: first.dir,
      regionKeys: `a:${OLD_KEY}`,
      clock: new FakeClock(START + TTL + 1),
      config: { runnerSessionTtlMs: TTL },
    });
    expect((await heartbeat(h, runner.token)).statusCode).toBe(401);
  });
});

describe('VIGIL_RUNNER_SESSION_TTL_MS', () => {
  it('sets the session lifetime (default 24 h, at least a minute)', async () => {
    expect((await loadConfig({ env: {} })).runnerSessionTtlMs).toBe(24 * 3600_000);
    const set = await loadConfig({ env: { VIGIL_RUNNER_SESSION_TTL_MS: '3600000' } });
    expect(set.runnerSessionTtlMs).toBe(3600_000);
    await expect(loadConfig({ env: { VIGIL_RUNNER_SESSION_TTL_MS: '5000' } })).rejects.toBeInstanceOf(
      ConfigError,
    );
  });
});
