// The runner loop with the real probe engine (its default) against real targets on loopback:
// the region reaches the target in the User-Agent, the one TLS context honours --ca-file, an
// unusable CA file stops the runner with a typed code, and drain waits for a slow real check.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerHandle, RunnerOptions } from '../../runner/runner.ts';
import { startRunner } from '../../runner/runner.ts';
import { createCa, createLeaf, pemDirectory } from '../support/certs.ts';
import { startTarget, type TargetServer } from '../support/target-server.ts';
import { FakeTransport, job, until } from './fake-transport.ts';

const running: RunnerHandle[] = [];
const targets: TargetServer[] = [];
const pems = pemDirectory();
let httpTarget: TargetServer;
let httpsTarget: TargetServer;
let caFile: string;

beforeAll(async () => {
  const ca = await createCa();
  const leaf = await createLeaf(ca, { sans: ['localhost', '127.0.0.1'] });
  caFile = pems.write('ca.pem', ca.cert);
  httpTarget = await startTarget({
    handler: (req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('late ok'), 400);
      else if (req.url === '/500') {
        res.statusCode = 500;
        res.end('broken');
      } else res.end('ok');
    },
  });
  httpsTarget = await startTarget({
    protocol: 'https',
    tls: leaf,
    handler: (_req, res) => res.end('secure ok'),
  });
  targets.push(httpTarget, httpsTarget);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await Promise.all(targets.map((t) => t.close()));
  pems.cleanup();
});

function start(transport: FakeTransport, overrides: Partial<RunnerOptions> = {}): RunnerHandle {
  const runner = startRunner({
    transport,
    region: 'eu-west',
    name: 'probe-test',
    concurrency: 4,
    version: '9.9.9',
    claimWaitMs: 200,
    flushIntervalMs: 20,
    ...overrides,
  });
  running.push(runner);
  return runner;
}

function jobFor(url: string) {
  const one = job();
  one.spec = { ...one.spec, url };
  return one;
}

describe('runner with the probe engine', () => {
  it('probes with the region in the User-Agent and reports real results', async () => {
    const transport = new FakeTransport();
    const runner = start(transport);
    await runner.ready;
    const ok = jobFor(httpTarget.url('/'));
    const failing = jobFor(httpTarget.url('/500'));
    transport.enqueue(ok, failing);
    await until(() => transport.stored.size === 2, 15_000, 'both results');
    expect(transport.stored.get(ok.jobId)!.result).toMatchObject({ ok: true, status: 200, reason: null });
    expect(transport.stored.get(failing.jobId)!.result).toMatchObject({
      ok: false,
      status: 500,
      reason: 'status',
    });
    const agents = httpTarget.requests.map((r) => r.headers['user-agent']);
    expect(agents).toContain('Vigil/9.9.9 (region eu-west)');
  });

  it('fills secrets for the job only', async () => {
    const transport = new FakeTransport();
    const runner = start(transport);
    await runner.ready;
    const one = jobFor(httpTarget.url('/secret'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
    one.spec = { ...one.spec, headers: { 'X-Token': '${TOKEN}' } };
    one.secrets = { TOKEN: 's3cret' };
    transport.enqueue(one);
    await until(() => transport.stored.has(one.jobId), 15_000, 'result');
    const seen = httpTarget.requests.find((r) => r.path === '/secret');
    expect(seen?.headers['x-token']).toBe('s3cret');
  });

  it('trusts the extra CA from caFile for every check', async () => {
    const transport = new FakeTransport();
    const withCa = start(transport, { caFile });
    await withCa.ready;
    const trusted = jobFor(httpsTarget.url('/'));
    transport.enqueue(trusted);
    await until(() => transport.stored.has(trusted.jobId), 15_000, 'result with CA');
    expect(transport.stored.get(trusted.jobId)!.result).toMatchObject({ ok: true, status: 200 });
    await withCa.stop();

    // Without it the same certificate is untrusted: a down result with a TLS reason.
    const bare = new FakeTransport();
    const withoutCa = start(bare);
    await withoutCa.ready;
    const untrusted = jobFor(httpsTarget.url('/'));
    bare.enqueue(untrusted);
    await until(() => bare.stored.has(untrusted.jobId), 15_000, 'result without CA');
    const result = bare.stored.get(untrusted.jobId)!.result;
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^tls_/);
  });

  it('stops with VIGIL_ERR_CA_FILE when the CA file is unusable', async () => {
    const transport = new FakeTransport();
    const missing = start(transport, { caFile: `${pems.path}/missing.pem` });
    const exit = await missing.done;
    expect(exit.error?.code).toBe('VIGIL_ERR_CA_FILE');
    expect(exit.error?.message).toMatch(/--ca-file is unusable: cannot read CA file .*missing\.pem/);
    expect(transport.callsOf('register')).toHaveLength(0);

    const empty = start(new FakeTransport(), { caFile: pems.write('empty.pem', 'no certificates here\n') });
    const emptyExit = await empty.done;
    expect(emptyExit.error?.code).toBe('VIGIL_ERR_CA_FILE');
    expect(emptyExit.error?.message).toMatch(/holds no PEM certificate/);
  });

  it('drain waits for a slow check in flight and reports it before deregistering', async () => {
    const transport = new FakeTransport();
    const runner = start(transport);
    await runner.ready;
    const slow = jobFor(httpTarget.url('/slow'));
    transport.enqueue(slow);
    await until(() => runner.stats().inFlight === 1, 15_000, 'check in flight');
    await runner.stop();
    expect(transport.stored.get(slow.jobId)?.result).toMatchObject({ ok: true, status: 200 });
    expect(transport.calls.at(-1)).toMatchObject({ call: 'deregister' });
  });
});
