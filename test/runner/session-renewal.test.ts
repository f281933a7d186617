// The runner side of session lifetimes: a heartbeat that answers a new token (the collector renewed
// the session) switches every later call to it without registering again; a session the collector
// ended (expired, key rotated: 401 RUNNER_UNKNOWN) is replaced by registering again with the key.
import { afterEach, describe, expect, it } from 'vitest';
import type { HeartbeatRequest, HeartbeatResponse } from '../../runner/protocol.ts';
import type { RunnerHandle } from '../../runner/runner.ts';
import { startRunner } from '../../runner/runner.ts';
import { checkResult, FakeTransport, jobs, until } from './fake-transport.ts';

/**
 * A collector side that renews the session on every heartbeat; as the collector does, the previous
 * token still works for a while (calls on their way), the one before it no longer.
 */
class RenewingTransport extends FakeTransport {
  renewals = 0;
  #previous: string | null = null;
  override async heartbeat(token: string, request: HeartbeatRequest): Promise<HeartbeatResponse> {
    await super.heartbeat(token, request);
    this.renewals += 1;
    const next = `renewed-${this.renewals}`;
    if (this.#previous !== null) this.liveTokens.delete(this.#previous);
    this.#previous = token;
    this.liveTokens.add(next);
    return { ok: true, token: next, expiresAt: Date.now() + 60_000 };
  }
}

const running: RunnerHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

function start(transport: FakeTransport): RunnerHandle {
  const runner = startRunner({
    transport,
    region: 'a',
    name: 'test-runner',
    concurrency: 4,
    version: '0.0.0-test',
    probe: async () => checkResult(true),
    claimWaitMs: 50,
    flushIntervalMs: 20,
    heartbeatIntervalMs: 100,
    backoff: { baseMs: 5, maxMs: 40 },
    drainTimeoutMs: 5_000,
  });
  running.push(runner);
  return runner;
}

describe('runner session renewal', () => {
  it('takes the token a heartbeat hands out for every later call, without registering again', async () => {
    const transport = new RenewingTransport();
    const runner = start(transport);
    const session = await runner.ready;
    await until(() => transport.renewals >= 2, 10_000, 'two renewals');
    transport.enqueue(...jobs(3));
    await until(() => transport.stored.size === 3, 10_000, 'results under the renewed token');
    expect(runner.stats().registrations).toBe(1);
    expect(session.renewals).toBeGreaterThanOrEqual(2);
    expect(session.token).toMatch(/^renewed-/);
    const afterRenewal = transport.calls.filter(
      (c) => c.call === 'results' || (c.call === 'claim' && c.jobs.length > 0),
    );
    expect(afterRenewal.every((c) => 'token' in c && c.token.startsWith('renewed-'))).toBe(true);
    await runner.stop();
    expect(runner.stats().deregistered).toBe(true);
  });
});
