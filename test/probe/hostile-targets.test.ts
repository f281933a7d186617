// Hostile targets: servers that answer with endless headers or bodies, decompression bombs,
// broken chunked encoding, redirects to other schemes, a one-byte-per-second drip, or a body made
// to make a backtracking regex hang. Each check runs in a process of its own
// (helpers/probe-child.ts) and must end by itself with its typed reason within the check's
// timeout, its peak RSS under 150 MB.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeSpec } from '../../probe/index.ts';
import { type HostileServer, startHostileServer } from './helpers/hostile-server.ts';
import type { ChildOutput } from './helpers/probe-child.ts';

const CHILD = resolve(import.meta.dirname, 'helpers/probe-child.ts');
const RSS_LIMIT = 150 * 1024 * 1024;
/** The checks' own deadline. */
const TIMEOUT = 4000;
/**
 * Slack on top of it for a loaded 2-core machine: the child's own start (loading the probe) is
 * not counted in `elapsedMs`, but its exit is bounded by this too.
 */
const SLACK = 10_000;

let server: HostileServer;

beforeAll(async () => {
  server = await startHostileServer();
}, 120_000);

afterAll(() => server.close());

/** Probes `path` in a child process; fails if the process does not end by itself. */
function probeInChild(path: string, spec: Partial<ProbeSpec> = {}): Promise<ChildOutput> {
  const input = JSON.stringify({ url: server.url(path), spec: { timeout: TIMEOUT, ...spec } });
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [CHILD, input],
      { timeout: TIMEOUT + SLACK + 30_000, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          fail(new Error(`the probe process did not end by itself (${error.message})\n${stderr}\n${stdout}`));
          return;
        }
        done(JSON.parse(stdout) as ChildOutput);
      },
    );
  });
}

function expectBounded(output: ChildOutput): void {
  expect(output.elapsedMs, output.message).toBeLessThan(TIMEOUT + SLACK);
  expect(output.maxRssBytes, `peak RSS ${(output.maxRssBytes / 1048576).toFixed(1)} MB`).toBeLessThan(
    RSS_LIMIT,
  );
}

function expectReason(output: ChildOutput, reason: string): void {
  expect({ ok: output.ok, reason: output.reason }, output.message).toEqual({ ok: false, reason });
  expectBounded(output);
}

describe('hostile targets', () => {
  it('endless headers: protocol_error once the header limit is passed', async () => {
    expectReason(await probeInChild('/endless-headers'), 'protocol_error');
  }, 120_000);

  it('endless body: up when nothing needs the body, body_too_large when a keyword is not within the cap', async () => {
    const plain = await probeInChild('/endless-body');
    expect(plain.ok, plain.message).toBe(true);
    expectBounded(plain);
    expectReason(await probeInChild('/endless-body', { keywords: ['never there'] }), 'body_too_large');
    expectReason(await probeInChild('/endless-chunks', { keywords: ['never there'] }), 'body_too_large');
  }, 120_000);

  it('gzip bomb (1 GiB of zeros in 1 MB): body_too_large, decoded no further than the cap', async () => {
    expectReason(await probeInChild('/gzip-bomb', { keywords: ['never there'] }), 'body_too_large');
  }, 120_000);

  it('brotli bomb (1 GiB of zeros in 2 KB): body_too_large, decoded no further than the cap', async () => {
    expectReason(await probeInChild('/brotli-bomb', { keywords: ['never there'] }), 'body_too_large');
  }, 120_000);

  it('bad chunked encoding: protocol_error', async () => {
    expectReason(await probeInChild('/bad-chunked'), 'protocol_error');
  }, 120_000);

  it.each(['ftp://127.0.0.1/pub/file', 'file:///etc/passwd', 'data:text/plain,hello', 'javascript:alert(1)'])(
    'a redirect to %s: redirect_invalid',
    async (to) => {
      expectReason(await probeInChild(`/redirect?to=${encodeURIComponent(to)}`), 'redirect_invalid');
    },
    120_000,
  );

  it('headers at 1 byte/s: timeout at the check deadline', async () => {
    const output = await probeInChild('/drip-headers');
    expectReason(output, 'timeout');
    expect(output.elapsedMs).toBeGreaterThanOrEqual(TIMEOUT - 50);
  }, 120_000);

  it('body at 1 byte/s: timeout at the check deadline', async () => {
    const output = await probeInChild('/drip-body', { keywords: ['never there'] });
    expectReason(output, 'timeout');
    expect(output.elapsedMs).toBeGreaterThanOrEqual(TIMEOUT - 50);
  }, 120_000);

  it("ReDoS: a matches assertion '^(a+)+$' on 28 × 'a' + '!' ends with its reason", async () => {
    const output = await probeInChild('/redos', {
      assertions: [{ source: 'body', operator: 'matches', value: '^(a+)+$' }],
    });
    expectReason(output, 'assertion');
  }, 120_000);
});
