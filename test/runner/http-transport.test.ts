// The HTTP transport's mapping of answers to typed errors, against a real HTTP server on loopback
// that answers the way the collector's routes do (and the ways a proxy in front of it might).
// The real collector is exercised by test/e2e.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunnerTransportError } from '../../runner/errors.ts';
import { createHttpTransport } from '../../runner/http-transport.ts';
import { holdRefusedPort } from '../probe/helpers/refused-port.ts';

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: unknown };
let seen: Seen[] = [];
let answer: (req: Seen, res: ServerResponse) => void = () => undefined;
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (c: string) => (text += c));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text === '' ? null : JSON.parse(text),
      };
      seen.push(entry);
      answer(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const session = { runnerId: 'r1', token: 'session-token', heartbeatInterval: 15_000, maxClaimWait: 25_000 };

describe('HTTP runner transport', () => {
  it('registers with the region key and uses the session token afterwards, under a path prefix', async () => {
    answer = (req, res) => {
      if (req.url.endsWith('/register')) return json(res, 200, session);
      if (req.url.endsWith('/claim')) return json(res, 200, { jobs: [] });
      if (req.url.endsWith('/results'))
        return json(res, 200, { accepted: ['j1'], duplicates: [], rejected: [] });
      if (req.url.endsWith('/heartbeat')) return json(res, 200, { ok: true });
      res.writeHead(204).end();
    };
    const transport = createHttpTransport({
      url: `${base}/prefix`,
      key: 'region-key',
      userAgent: 'vigil-runner/test',
    });
    try {
      expect(await transport.register({ region: 'a', name: 'n', version: '1', concurrency: 5 })).toEqual(
        session,
      );
      expect(await transport.claim('session-token', { max: 5, wait: 0, inFlight: 0 })).toEqual({ jobs: [] });
      const stored = await transport.results('session-token', { results: [] });
      expect(stored.accepted).toEqual(['j1']);
      expect(await transport.heartbeat('session-token', { inFlight: 0, free: 5 })).toEqual({ ok: true });
      await transport.deregister('session-token');
    } finally {
      await transport.close();
    }
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /prefix/v1/runners/register',
      'POST /prefix/v1/runners/claim',
      'POST /prefix/v1/runners/results',
      'POST /prefix/v1/runners/heartbeat',
      'POST /prefix/v1/runners/deregister',
    ]);
    expect(seen[0]!.headers.authorization).toBe('Bearer region-key');
    expect(seen[0]!.body).toEqual({ region: 'a', name: 'n', version: '1', concurrency: 5 });
    expect(seen.slice(1).every((s) => s.headers.authorization === 'Bearer session-token')).toBe(true);
    expect(seen[1]!.body).toEqual({ max: 5, wait: 0, inFlight: 0 });
    expect(seen[4]!.body).toEqual({});
    expect(seen[0]!.headers['user-agent']).toBe('vigil-runner/test');
  });

  it('turns a refused region key into a message naming the region and the collector', async () => {
    answer = (_req, res) =>
      json(res, 401, { code: 'VIGIL_ERR_UNAUTHORIZED', message: 'wrong key for region a', statusCode: 401 });
    const transport = createHttpTransport({ url: base, key: 'wrong' });
    try {
      const error = await transport
        .register({ region: 'eu-west', name: 'n', version: '1', concurrency: 1 })
        .catch((e) => e);
      expect(error).toBeInstanceOf(RunnerTransportError);
      expect(error).toMatchObject({ code: 'VIGIL_ERR_UNAUTHORIZED', statusCode: 401 });
      expect(error.message).toContain(`region key for eu-west was refused by ${base}`);
    } finally {
      await transport.close();
    }
  });

  it('passes VIGIL_ERR_RUNNER_UNKNOWN through so the loop registers again', async () => {
    answer = (_req, res) =>
      json(res, 401, {
        code: 'VIGIL_ERR_RUNNER_UNKNOWN',
        message: 'unknown runner session',
        statusCode: 401,
      });
    const transport = createHttpTransport({ url: base, key: 'k' });
    try {
      await expect(transport.heartbeat('old', { inFlight: 0, free: 1 })).rejects.toMatchObject({
        code: 'VIGIL_ERR_RUNNER_UNKNOWN',
        statusCode: 401,
      });
    } finally {
      await transport.close();
    }
  });

  it('reports a collector that does not answer as VIGIL_ERR_UNREACHABLE', async () => {
    // A port nobody can start listening on meanwhile (a released one could be taken).
    const refused = await holdRefusedPort();
    const transport = createHttpTransport({ url: `http://127.0.0.1:${refused.port}`, key: 'k' });
    try {
      const error = await transport
        .register({ region: 'a', name: 'n', version: '1', concurrency: 1 })
        .catch((e) => e);
      expect(error).toMatchObject({ code: 'VIGIL_ERR_UNREACHABLE', statusCode: 0 });
      expect(error.message).toMatch(/cannot reach the collector at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    } finally {
      await transport.close();
      await refused.release();
    }
  });

  it('times out a call that gets no answer', async () => {
    answer = () => undefined; // never answers
    const transport = createHttpTransport({ url: base, key: 'k', timeoutMs: 200 });
    try {
      await expect(transport.heartbeat('t', { inFlight: 0, free: 1 })).rejects.toMatchObject({
        code: 'VIGIL_ERR_UNREACHABLE',
        message: expect.stringContaining('no answer within 200ms'),
      });
    } finally {
      await transport.close();
    }
  });

  it('gives a claim its wait plus a grace period before timing out', async () => {
    answer = (_req, res) => setTimeout(() => json(res, 200, { jobs: [] }), 300);
    // The 100 ms call timeout would fail this claim; only wait + grace lets it through. The grace
    // is long so a slow machine cannot make the answer miss it (undici's coarse timers for
    // deadlines over 1 s may also fire up to half a second early).
    const transport = createHttpTransport({ url: base, key: 'k', timeoutMs: 100, claimGraceMs: 10_000 });
    try {
      await expect(transport.claim('t', { max: 1, wait: 300, inFlight: 0 })).resolves.toEqual({ jobs: [] });
    } finally {
      await transport.close();
    }
  });

  it('aborts a pending claim when the runner drains', async () => {
    answer = () => undefined;
    const transport = createHttpTransport({ url: base, key: 'k' });
    try {
      const controller = new AbortController();
      const pending = transport.claim('t', { max: 1, wait: 25_000, inFlight: 0 }, controller.signal);
      setTimeout(() => controller.abort(), 50);
      await expect(pending).rejects.toMatchObject({ code: 'VIGIL_ERR_ABORTED' });
    } finally {
      await transport.close();
    }
  });

  it('maps a proxy error page to VIGIL_ERR_BAD_RESPONSE with its status and Retry-After', async () => {
    answer = (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '7' });
      res.end('<html>maintenance</html>');
    };
    const transport = createHttpTransport({ url: base, key: 'k' });
    try {
      await expect(transport.results('t', { results: [] })).rejects.toMatchObject({
        code: 'VIGIL_ERR_BAD_RESPONSE',
        statusCode: 503,
        retryAfterMs: 7_000,
      });
    } finally {
      await transport.close();
    }
  });

  it('maps a JSON error without a Vigil body to VIGIL_ERR_BAD_RESPONSE', async () => {
    answer = (_req, res) => json(res, 500, { error: 'x' });
    const transport = createHttpTransport({ url: base, key: 'k' });
    try {
      await expect(transport.heartbeat('t', { inFlight: 0, free: 1 })).rejects.toMatchObject({
        code: 'VIGIL_ERR_BAD_RESPONSE',
        statusCode: 500,
      });
    } finally {
      await transport.close();
    }
  });

  it('refuses a claim answer without a job list', async () => {
    answer = (_req, res) => json(res, 200, { nothing: true });
    const transport = createHttpTransport({ url: base, key: 'k' });
    try {
      await expect(transport.claim('t', { max: 1, wait: 0, inFlight: 0 })).rejects.toMatchObject({
        code: 'VIGIL_ERR_BAD_RESPONSE',
      });
    } finally {
      await transport.close();
    }
  });

  it('refuses a collector URL that is not http(s)', () => {
    expect(() => createHttpTransport({ url: 'ftp://x', key: 'k' })).toThrow(
      expect.objectContaining({ code: 'VIGIL_ERR_BAD_URL' }),
    );
    expect(() => createHttpTransport({ url: 'not a url', key: 'k' })).toThrow(
      expect.objectContaining({ code: 'VIGIL_ERR_BAD_URL' }),
    );
  });
});
