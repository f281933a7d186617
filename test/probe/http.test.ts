// Plain HTTP checks against a real server on loopback: status, keywords, methods, bodies,
// assertions, headers sent, and what a broken response turns into.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, probeSpecFor } from '../../probe/index.ts';
import { DEFAULT_ACCEPT } from '../../probe/request-headers.ts';
import { startRawServer, startTarget, type TargetServer } from '../support/target-server.ts';
import { expectDown, expectUp } from './helpers/expect.ts';

let target: TargetServer;

beforeAll(async () => {
  target = await startTarget({
    handler: (req, res, body) => {
      const path = req.url ?? '/';
      if (path === '/hello') {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end('<h1>Welcome to Vigil</h1><p>All systems operational</p>');
      } else if (path === '/error-page') {
        res.statusCode = 500;
        res.end('Internal Server Error: database unavailable');
      } else if (path === '/not-found') {
        res.statusCode = 404;
        res.end('Welcome, but nothing here');
      } else if (path === '/echo') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({ method: req.method, body: body.toString(), type: req.headers['content-type'] }),
        );
      } else if (path === '/status.json') {
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-version', '42');
        res.end(
          JSON.stringify({
            status: 'ok',
            checks: { db: 'up', cache: 'degraded' },
            latency: 12.5,
            items: [1, 2, 3],
          }),
        );
      } else if (path === '/count') {
        res.end(' 17\n');
      } else if (path === '/not-a-number') {
        res.end('seventeen');
      } else if (path === '/big') {
        res.setHeader('content-type', 'text/plain');
        res.end(`${'a'.repeat(300_000)}NEEDLE`);
      } else if (path === '/latin1') {
        res.setHeader('content-type', 'text/plain; charset=iso-8859-1');
        res.end(Buffer.from('Caf\xe9 ouvert', 'latin1'));
      } else {
        res.end('ok');
      }
    },
  });
});

afterAll(() => target.close());

describe('status and keywords', () => {
  it('is up on 200 with every keyword present', async () => {
    const result = await probe(probeSpecFor(target.url('/hello'), { keywords: ['Welcome', 'operational'] }));
    expectUp(result);
    expect(result.status).toBe(200);
    expect(result.httpVersion).toBe('1.1');
    expect(result.remote).toEqual({ ip: '127.0.0.1', family: 4, port: target.port });
    expect(result.tls).toBeNull();
    expect(result.assertions).toEqual([
      { description: 'status 2xx', pass: true, expected: '2xx', actual: 200 },
    ]);
    expect(Date.parse(result.startedAt)).toBeGreaterThan(0);
  });

  it('is down with keyword_missing when a keyword is absent (case-sensitive)', async () => {
    const result = await probe(probeSpecFor(target.url('/hello'), { keywords: ['Welcome', 'welcome'] }));
    expectDown(result, 'keyword_missing', null);
    expect(result.status).toBe(200);
    expect(result.log?.body).toContain('Welcome to Vigil');
    expect(result.log?.response?.status).toBe(200);
  });

  it('ignores empty and whitespace-only keywords', async () => {
    expectUp(await probe(probeSpecFor(target.url('/hello'), { keywords: ['', '   ', '\t'] })));
  });

  it('is down with forbidden_keyword when a forbidden keyword is present', async () => {
    const result = await probe(
      probeSpecFor(target.url('/hello'), { keywords: ['Welcome'], forbidden_keywords: ['operational'] }),
    );
    expectDown(result, 'forbidden_keyword', null);
  });

  it('is down with status on 500', async () => {
    const result = await probe(probeSpecFor(target.url('/error-page')));
    expectDown(result, 'status', null);
    expect(result.status).toBe(500);
    expect(result.log?.body).toContain('database unavailable');
    expect(result.assertions[0]).toMatchObject({ pass: false, actual: 500 });
  });

  it('reports the status, not keywords, on a non-2xx answer (keywords count only on 2xx)', async () => {
    const result = await probe(probeSpecFor(target.url('/not-found'), { keywords: ['missing-word'] }));
    expectDown(result, 'status', null);
  });

  it('accepts a 404 when a status assertion says so, and skips keywords on non-2xx', async () => {
    const result = await probe(
      probeSpecFor(target.url('/not-found'), {
        keywords: ['missing-word'],
        assertions: [{ source: 'status', operator: 'eq', value: 404 }],
      }),
    );
    expectUp(result);
  });

  it('decodes a declared charset before matching keywords', async () => {
    expectUp(await probe(probeSpecFor(target.url('/latin1'), { keywords: ['Café'] })));
  });
});

describe('methods and request headers', () => {
  it('sends HEAD and reads no body', async () => {
    const before = target.requests.length;
    const result = await probe(probeSpecFor(target.url('/hello'), { method: 'HEAD' }));
    expectUp(result);
    expect(target.requests[before]?.method).toBe('HEAD');
  });

  it('POSTs a JSON body with its content type', async () => {
    const body = JSON.stringify({ ping: true });
    const result = await probe(
      probeSpecFor(target.url('/echo'), {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json' },
        assertions: [
          { source: 'json', path: '$.method', operator: 'eq', value: 'POST' },
          { source: 'json', path: '$.body', operator: 'eq', value: body },
          { source: 'json', path: '$.type', operator: 'eq', value: 'application/json' },
        ],
      }),
    );
    expectUp(result);
    expect(result.assertions.every((outcome) => outcome.pass)).toBe(true);
  });

  it('defaults the content type of a body to application/x-www-form-urlencoded', async () => {
    const result = await probe(
      probeSpecFor(target.url('/echo'), {
        method: 'PUT',
        body: 'a=1&b=2',
        assertions: [
          { source: 'json', path: '$.type', operator: 'eq', value: 'application/x-www-form-urlencoded' },
        ],
      }),
    );
    expectUp(result);
  });

  it('sends the default headers (README), the region in the User-Agent, and custom headers', async () => {
    const before = target.requests.length;
    const result = await probe(probeSpecFor(target.url('/hello'), { headers: { 'X-Probe': 'yes' } }), {
      region: 'eu-west',
      version: '9.8.7',
    });
    expectUp(result);
    const headers = target.requests[before]?.headers ?? {};
    expect(headers['user-agent']).toBe('Vigil/9.8.7 (region eu-west)');
    expect(headers.accept).toBe(DEFAULT_ACCEPT);
    expect(headers['cache-control']).toBe('no-cache');
    expect(headers.pragma).toBe('no-cache');
    expect(headers['accept-encoding']).toBe('br, gzip, deflate');
    expect(headers['x-probe']).toBe('yes');
  });

  it('opens a fresh connection for every check', async () => {
    const before = target.requests.length;
    for (let i = 0; i < 3; i++) expectUp(await probe(probeSpecFor(target.url('/hello'))));
    // Three client ports: three connections, none kept alive for the next check.
    const ports = target.requests.slice(before).map((request) => request.remotePort);
    expect(new Set(ports).size).toBe(3);
  });
});

describe('assertions', () => {
  it('evaluates JSON assertions with every operator', async () => {
    const result = await probe(
      probeSpecFor(target.url('/status.json'), {
        assertions: [
          { source: 'json', path: '$.status', operator: 'eq', value: 'ok' },
          { source: 'json', path: '$.checks.db', operator: 'ne', value: 'down' },
          { source: 'json', path: '$.latency', operator: 'lt', value: 100 },
          { source: 'json', path: '$.latency', operator: 'gte', value: 12.5 },
          { source: 'json', path: '$.items', operator: 'contains', value: 2 },
          { source: 'json', path: '$.items[*]', operator: 'not_contains', value: 9 },
          { source: 'json', path: '$.status', operator: 'matches', value: '^o.$' },
          { source: 'json', path: '$.checks.cache', operator: 'in', value: ['up', 'degraded'] },
          { source: 'json', path: '$.checks.db', operator: 'exists' },
          { source: 'header', name: 'X-Version', operator: 'eq', value: 42 },
          { source: 'header', name: 'content-type', operator: 'contains', value: 'json' },
          { source: 'body', operator: 'contains', value: '"status":"ok"' },
        ],
      }),
    );
    expectUp(result);
    expect(result.assertions.filter((outcome) => !outcome.pass)).toEqual([]);
    // Default status check + 12 assertions.
    expect(result.assertions).toHaveLength(13);
  });

  it('is down with assertion when a JSON value differs, reporting expected and actual', async () => {
    const result = await probe(
      probeSpecFor(target.url('/status.json'), {
        assertions: [{ source: 'json', path: '$.checks.cache', operator: 'eq', value: 'up' }],
      }),
    );
    expectDown(result, 'assertion', null);
    expect(result.assertions.find((outcome) => !outcome.pass)).toEqual({
      description: 'json $.checks.cache eq "up"',
      pass: false,
      expected: 'up',
      actual: 'degraded',
    });
  });

  it('fails an exists assertion on a missing JSON path', async () => {
    const result = await probe(
      probeSpecFor(target.url('/status.json'), {
        assertions: [{ source: 'json', path: '$.checks.queue', operator: 'exists' }],
      }),
    );
    expectDown(result, 'assertion', null);
  });

  it('fails JSON assertions on a body that is not JSON', async () => {
    const result = await probe(
      probeSpecFor(target.url('/hello'), {
        assertions: [{ source: 'json', path: '$.a', operator: 'exists' }],
      }),
    );
    expectDown(result, 'assertion', null);
  });

  it('parses the body as a number for number assertions', async () => {
    expectUp(
      await probe(
        probeSpecFor(target.url('/count'), {
          assertions: [
            { source: 'number', operator: 'gt', value: 10 },
            { source: 'number', operator: 'eq', value: 17 },
          ],
        }),
      ),
    );
    const low = await probe(
      probeSpecFor(target.url('/count'), { assertions: [{ source: 'number', operator: 'lt', value: 10 }] }),
    );
    expectDown(low, 'assertion', null);
  });

  it('is down when a number assertion meets a body that is not a number', async () => {
    const result = await probe(
      probeSpecFor(target.url('/not-a-number'), {
        assertions: [{ source: 'number', operator: 'ne', value: 0 }],
      }),
    );
    expectDown(result, 'assertion', null);
  });

  it('checks the response time', async () => {
    // Generous bound for "up" (a loaded CI box), impossible bound for "down": no flaky timing.
    expectUp(
      await probe(
        probeSpecFor(target.url('/hello'), {
          assertions: [{ source: 'response_time', operator: 'lt', value: 10_000 }],
        }),
      ),
    );
    const result = await probe(
      probeSpecFor(target.url('/hello'), {
        assertions: [{ source: 'response_time', operator: 'lt', value: 0 }],
      }),
    );
    expectDown(result, 'assertion', null);
    expect(typeof result.assertions.find((outcome) => !outcome.pass)?.actual).toBe('number');
  });

  it('fails tls_days_left on a plain HTTP check (there is no certificate)', async () => {
    const result = await probe(
      probeSpecFor(target.url('/hello'), {
        assertions: [{ source: 'tls_days_left', operator: 'gt', value: 7 }],
      }),
    );
    expectDown(result, 'assertion', null);
  });
});

describe('body cap', () => {
  it('reads a large body when nothing needs more than the cap', async () => {
    expectUp(await probe(probeSpecFor(target.url('/big')), { maxBodyBytes: 64 * 1024 }));
  });

  it('is down with body_too_large when a keyword lies beyond the cap', async () => {
    const result = await probe(probeSpecFor(target.url('/big'), { keywords: ['NEEDLE'] }), {
      maxBodyBytes: 64 * 1024,
    });
    expectDown(result, 'body_too_large', null);
    expect(result.log?.bodyTruncated).toBe(true);
  });

  it('finds the keyword with the default 1 MiB cap', async () => {
    expectUp(await probe(probeSpecFor(target.url('/big'), { keywords: ['NEEDLE'] })));
  });
});

describe('broken servers', () => {
  it('is down with protocol_error on a response that is not HTTP', async () => {
    const raw = await startRawServer((socket) => {
      socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    });
    try {
      const result = await probe(probeSpecFor(`http://127.0.0.1:${raw.port}/`));
      // Bytes arrived (the clock moved to transfer at the first one); they were not HTTP.
      expectDown(result, 'protocol_error', 'transfer');
    } finally {
      await raw.close();
    }
  });

  it('is down with connect_reset when the server closes without answering', async () => {
    const raw = await startRawServer((socket) => {
      socket.once('data', () => socket.destroy());
    });
    try {
      const result = await probe(probeSpecFor(`http://127.0.0.1:${raw.port}/`));
      expectDown(result, 'connect_reset', 'processing');
    } finally {
      await raw.close();
    }
  });

  it('returns a result, never throws, for a spec it cannot use', async () => {
    const broken = { ...probeSpecFor(target.url('/')), url: 42 } as unknown as Parameters<typeof probe>[0];
    const result = await probe(broken);
    expect(result).toMatchObject({ ok: false, reason: 'protocol_error' });
  });

  it('is down with protocol_error (not an exception) for a URL that is not http(s)', async () => {
    const result = await probe(probeSpecFor('ftp://127.0.0.1/file'));
    expect(result.reason).toBe('protocol_error');
    expect(result.ok).toBe(false);
  });
});
