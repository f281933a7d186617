// The runner loop (in this process) with the HTTP transport against a real collector process:
// the protocol as the collector really speaks it, including a session the collector drops.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpTransport, type HttpRunnerTransport } from '../../runner/http-transport.ts';
import { type RunnerHandle, type RunnerSession, startRunner } from '../../runner/runner.ts';
import { getJson, KEYS, startE2eCollector } from '../e2e/support.ts';
import type { CollectorProcess } from '../support/collector-process.ts';
import { until } from './fake-transport.ts';

let collector: CollectorProcess;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  collector = await startE2eCollector();
}, 60_000);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});
afterAll(async () => {
  await collector?.stop();
});

function transportFor(key: string): HttpRunnerTransport {
  const transport = createHttpTransport({ url: collector.url, key });
  cleanups.push(() => transport.close());
  return transport;
}

function start(transport: HttpRunnerTransport, sessions: RunnerSession[] = []): RunnerHandle {
  const runner = startRunner({
    transport,
    region: 'a',
    name: 'loop-vs-collector',
    concurrency: 3,
    version: '0.1.0',
    claimWaitMs: 500,
    heartbeatIntervalMs: 200,
    backoff: { baseMs: 20, maxMs: 200 },
    onRegistered: (s) => sessions.push(s),
  });
  cleanups.push(() => runner.stop());
  return runner;
}

async function listed(): Promise<{ id: string; online: boolean; free: number }[]> {
  return (
    await getJson<{ runners: { id: string; online: boolean; free: number }[] }>(collector, 'v1/runners')
  ).runners;
}

describe('runner loop against a real collector', () => {
  it('registers, heartbeats and shows up online; stop() deregisters', async () => {
    const runner = start(transportFor(KEYS.a));
    const session = await runner.ready;
    await until(() => runner.stats().heartbeats >= 2, 15_000, 'heartbeats');
    const mine = (await listed()).find((r) => r.id === session.runnerId);
    expect(mine).toMatchObject({ online: true });
    await runner.stop();
    expect(runner.stats()).toMatchObject({ state: 'stopped', deregistered: true });
    expect((await listed()).find((r) => r.id === session.runnerId)?.online ?? false).toBe(false);
  });

  it('registers again when the collector drops its session (VIGIL_ERR_RUNNER_UNKNOWN)', async () => {
    const sessions: RunnerSession[] = [];
    const runner = start(transportFor(KEYS.a), sessions);
    const first = await runner.ready;
    // Drop the session behind the runner's back: the next claim or heartbeat gets 401 RUNNER_UNKNOWN.
    await transportFor(KEYS.a).deregister(first.token);
    await until(() => sessions.length === 2, 15_000, 'a second registration');
    expect(sessions[1]!.runnerId).not.toBe(first.runnerId);
    expect(runner.stats()).toMatchObject({ state: 'running', registrations: 2 });
    await until(() => runner.stats().heartbeats >= 1, 15_000, 'heartbeat on the new session');
    const mine = (await listed()).find((r) => r.id === sessions[1]!.runnerId);
    expect(mine?.online).toBe(true);
  });

  it('stops with VIGIL_ERR_UNAUTHORIZED naming region and collector when the key is wrong', async () => {
    const runner = start(transportFor(KEYS.b)); // region b's key, used for region a
    const exit = await runner.done;
    expect(exit.error?.code).toBe('VIGIL_ERR_UNAUTHORIZED');
    expect(exit.error?.message).toContain(`region key for a was refused by ${collector.url}`);
    expect(exit.stats).toMatchObject({ state: 'failed', registrations: 0, claimed: 0 });
  });
});
