// A request must arrive whole within VIGIL_REQUEST_TIMEOUT_MS: a body that stops half way and a
// client dripping its headers (slowloris) get 408 VIGIL_ERR_REQUEST_TIMEOUT and a closed
// connection. The deadline covers receiving the request only: a long-polling claim waits longer.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../collector/config/config.ts';
import { clientErrorResponse, serverTimeouts } from '../../collector/http/client-errors.ts';
import { type Built, build, TOKEN } from '../collector/build.ts';

const TIMEOUT_MS = 400;
const REGION_KEY = 'region-key-0123456789abcdef';
// Generous: a loaded 2-core CI machine; without the fix the connection stays open 5 minutes.
const CUT_WITHIN_MS = 15_000;

let b: Built;
let port: number;
beforeAll(async () => {
  b = await build({
    config: {
      embeddedRunner: false,
      requestTimeoutMs: TIMEOUT_MS,
      regionKeys: { any: REGION_KEY, byRegion: {} },
    },
  });
  await b.app.listen({ host: '127.0.0.1', port: 0 });
  port = (b.app.server.address() as { port: number }).port;
});
afterAll(async () => b.destroy());

interface Exchange {
  received: string;
  /** ms from connecting until the server closed the connection. */
  closedAfter: number;
}

/** Sends `first`, then `drip` every `everyMs` until the server closes (or `CUT_WITHIN_MS`). */
function exchange(first: string, drip?: string, everyMs = 100): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${CUT_WITHIN_MS} ms; received ${JSON.stringify(received)}`));
    }, CUT_WITHIN_MS);
    socket.on('connect', () => {
      socket.write(first);
      if (drip !== undefined) timer = setInterval(() => socket.writable && socket.write(drip), everyMs);
    });
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearInterval(timer);
      resolve({ received, closedAfter: Date.now() - started });
    });
  });
}

function bodyOf(received: string): unknown {
  return JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4));
}

describe('the request timeout', () => {
  it('answers 408 and closes when an authenticated body stops after 5 of 100 declared bytes', async () => {
    const result = await exchange(
      'POST /v1/sync HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `Authorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"rev`,
    );
    expect(result.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(result.received).toMatch(/\r\nConnection: close\r\n/i);
    expect(bodyOf(result.received)).toEqual({
      code: 'VIGIL_ERR_REQUEST_TIMEOUT',
      message: expect.any(String),
      statusCode: 408,
    });
    expect(result.closedAfter).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  });

  it('cuts off a client that drips its headers (slowloris)', async () => {
    const result = await exchange('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: a\r\n', 50);
    expect(result.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyOf(result.received)).toMatchObject({ code: 'VIGIL_ERR_REQUEST_TIMEOUT' });
  });

  it('cuts off a body that trickles a byte at a time past the deadline', async () => {
    const result = await exchange(
      'POST /v1/runners/heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100000\r\n\r\n',
      ' ',
      20,
    );
    // Unauthenticated: the route refuses at once (401) and never reads the body; the socket still
    // closes at the deadline instead of taking the trickle for minutes.
    expect(result.received).toMatch(/^HTTP\/1\.1 (401|408) /);
  });

  it('does not cut a long-polling claim that waits longer than the timeout for jobs', async () => {
    const base = `http://127.0.0.1:${port}`;
    const registered = await fetch(`${base}/v1/runners/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${REGION_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ region: 'eu', name: 'r1', version: '1', concurrency: 1 }),
    });
    expect(registered.status).toBe(200);
    const { token } = (await registered.json()) as { token: string };
    const started = Date.now();
    const claim = await fetch(`${base}/v1/runners/claim`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ max: 1, wait: TIMEOUT_MS * 4, inFlight: 0 }),
    });
    expect(claim.status).toBe(200);
    expect(await claim.json()).toMatchObject({ jobs: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS * 4 - 100);
  });

  it('keeps an idle keep-alive connection usable past the timeout', async () => {
    const socket = connect(port, '127.0.0.1');
    const answers: string[] = [];
    socket.on('data', (chunk) => answers.push(chunk.toString('utf8')));
    await new Promise((resolve) => socket.once('connect', resolve));
    const ask = async () => {
      const before = answers.length;
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      for (let i = 0; i < 500 && answers.length === before; i += 1)
        await new Promise((r) => setTimeout(r, 10));
      return answers.slice(before).join('');
    };
    try {
      expect(await ask()).toMatch(/^HTTP\/1\.1 200 /);
      await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 3));
      expect(await ask()).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      socket.destroy();
    }
  });
});

describe('client error answers', () => {
  it('are ApiErrors with stable codes, closing the connection', () => {
    expect(clientErrorResponse('ERR_HTTP_REQUEST_TIMEOUT')).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(clientErrorResponse('HPE_HEADER_OVERFLOW')).toContain('"code":"VIGIL_ERR_HEADERS_TOO_LARGE"');
    expect(clientErrorResponse('HPE_INVALID_METHOD')).toMatch(/^HTTP\/1\.1 400 [\s\S]*VIGIL_ERR_BAD_REQUEST/);
  });

  it('check late requests often enough for the timeout to mean what it says', () => {
    expect(serverTimeouts(30_000)).toEqual({
      requestTimeout: 30_000,
      headersTimeout: 30_000,
      connectionsCheckingInterval: 1000,
    });
    expect(serverTimeouts(100).connectionsCheckingInterval).toBe(50);
  });
});

describe('VIGIL_REQUEST_TIMEOUT_MS', () => {
  it('is 30 s by default, read from the environment, and refused out of range', async () => {
    expect((await loadConfig({ env: {} })).requestTimeoutMs).toBe(30_000);
    expect((await loadConfig({ env: { VIGIL_REQUEST_TIMEOUT_MS: '5000' } })).requestTimeoutMs).toBe(5000);
    for (const bad of ['0', '1e309', '-1', '99', 'soon']) {
      await expect(loadConfig({ env: { VIGIL_REQUEST_TIMEOUT_MS: bad } })).rejects.toThrow(ConfigError);
    }
  });
});
