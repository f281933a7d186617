// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here
// Compressed bodies (br, gzip, deflate) and secrets: filled on the wire, redacted in the result.
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, probeSpecFor } from '../../probe/index.ts';
import { startTarget, type TargetServer } from '../support/target-server.ts';
import { expectDown, expectUp } from './helpers/expect.ts';

const PAGE = `<html><body>${'Lorem ipsum dolor sit amet. '.repeat(200)}<p>Status: healthy</p></body></html>`;

let target: TargetServer;

beforeAll(async () => {
  target = await startTarget({
    handler: (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const encoded: Record<string, () => Buffer> = {
        '/gzip': () => zlib.gzipSync(PAGE),
        '/br': () => zlib.brotliCompressSync(PAGE),
        '/deflate': () => zlib.deflateSync(PAGE),
        '/deflate-raw': () => zlib.deflateRawSync(PAGE),
        '/bomb': () => zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024, 'a')),
        '/corrupt': () => Buffer.from('this is not gzip at all'),
      };
      const make = encoded[url.pathname];
      if (make !== undefined) {
        const coding = url.pathname === '/deflate-raw' ? 'deflate' : url.pathname.slice(1);
        res.setHeader('content-encoding', ['bomb', 'corrupt'].includes(coding) ? 'gzip' : coding);
        res.setHeader('content-type', 'text/html');
        res.end(make());
        return;
      }
      if (url.pathname === '/echo-secret') {
        res.statusCode = 503;
        res.setHeader('x-echo', String(req.headers.authorization));
        res.end(`token was ${url.searchParams.get('token')} and body ${req.method}`);
        return;
      }
      res.end('plain');
    },
  });
});

afterAll(() => target.close());

describe('content encodings', () => {
  for (const path of ['/gzip', '/br', '/deflate', '/deflate-raw']) {
    it(`decodes ${path.slice(1)} before matching keywords`, async () => {
      const result = await probe(probeSpecFor(target.url(path), { keywords: ['Status: healthy'] }));
      expectUp(result);
    });
  }

  it('stops decoding at the body cap (a compression bomb cannot blow up memory)', async () => {
    const result = await probe(probeSpecFor(target.url('/bomb'), { keywords: ['never there'] }), {
      maxBodyBytes: 256 * 1024,
    });
    expectDown(result, 'body_too_large', null);
    expect(result.log?.body?.length).toBe(64 * 1024);
  });

  it('is down with protocol_error for a body that claims gzip but is not', async () => {
    const result = await probe(probeSpecFor(target.url('/corrupt'), { keywords: ['x'] }));
    expectDown(result, 'protocol_error', 'transfer');
  });

  it('does not decode at all when nothing needs the body', async () => {
    expectUp(await probe(probeSpecFor(target.url('/corrupt'))));
  });
});

describe('secrets', () => {
  it('fills ${NAME} in url, headers and body, and redacts the values everywhere in the result', async () => {
    const secrets = { API_TOKEN: 's3cr3t-t0ken-value', AUTH: 'Bearer very-private-bearer' };
    const before = target.requests.length;
    const result = await probe(
      probeSpecFor(target.url('/echo-secret?token=${API_TOKEN}'), {
        method: 'POST',
        headers: { Authorization: '${AUTH}' },
        body: 'key=${API_TOKEN}',
      }),
      { secrets },
    );
    expectDown(result, 'status', null);
    // On the wire: the real values.
    const sent = target.requests[before];
    expect(sent?.path).toBe('/echo-secret?token=s3cr3t-t0ken-value');
    expect(sent?.headers.authorization).toBe('Bearer very-private-bearer');
    expect(sent?.body).toBe('key=s3cr3t-t0ken-value');
    // In the result: only references, even where the server echoed the values back.
    const text = JSON.stringify(result);
    expect(text).not.toContain('s3cr3t-t0ken-value');
    expect(text).not.toContain('very-private-bearer');
    expect(result.log?.request.line).toContain('token=${API_TOKEN}');
    expect(result.log?.request.headers.Authorization).toBe('${AUTH}');
    expect(result.log?.response?.headers['x-echo']).toBe('${AUTH}');
    expect(result.log?.body).toContain('token was ${API_TOKEN}');
  });

  it('redacts secrets from the redirect chain of a successful check', async () => {
    const secrets = { KEY: 'abcdef123456' };
    const redirecting = await startTarget({
      handler: (req, res) => {
        if ((req.url ?? '').startsWith('/start')) {
          res.statusCode = 302;
          res.setHeader(
            'location',
            `/done?key=${new URL(req.url ?? '/', 'http://x').searchParams.get('key')}`,
          );
          res.end();
        } else res.end('done');
      },
    });
    try {
      const result = await probe(probeSpecFor(redirecting.url('/start?key=${KEY}')), { secrets });
      expectUp(result);
      expect(JSON.stringify(result)).not.toContain('abcdef123456');
      expect(result.redirects[0]?.location).toBe('/done?key=${KEY}');
    } finally {
      await redirecting.close();
    }
  });
});
