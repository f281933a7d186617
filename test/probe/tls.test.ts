// HTTPS checks: certificate problems, the extra-CA option, legacy TLS fallback, HTTP/2 by ALPN,
// the TLS facts of the result, and that every check does a full handshake.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProbeTlsContext,
  ProbeTlsConfigError,
  type ProbeTlsContext,
  probe,
  probeSpecFor,
} from '../../probe/index.ts';
import {
  type CertificateAuthority,
  createCa,
  createExpiredLeaf,
  createLeaf,
  createNotYetValidLeaf,
  createSelfSigned,
  pemDirectory,
} from '../support/certs.ts';
import {
  startRawServer,
  startTarget,
  type TargetHandler,
  type TargetServer,
} from '../support/target-server.ts';
import { expectDown, expectUp } from './helpers/expect.ts';

const hello: TargetHandler = (req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(`hello over HTTP/${req.httpVersion}`);
};

let ca: CertificateAuthority;
let pems: ReturnType<typeof pemDirectory>;
let withCa: ProbeTlsContext;
const servers: TargetServer[] = [];

async function serve(options: Parameters<typeof startTarget>[0]): Promise<TargetServer> {
  const server = await startTarget(options);
  servers.push(server);
  return server;
}

beforeAll(async () => {
  ca = await createCa({ commonName: 'Vigil Private CA' });
  pems = pemDirectory();
  withCa = createProbeTlsContext({ extraCaFile: pems.write('private-ca.pem', ca.cert) });
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  pems.cleanup();
});

describe('certificate verification', () => {
  it('is down with tls_self_signed for a self-signed certificate', async () => {
    const server = await serve({ protocol: 'https', tls: await createSelfSigned(), handler: hello });
    const result = await probe(probeSpecFor(server.url('/', 'localhost')));
    expectDown(result, 'tls_self_signed', 'tls');
    expect(result.tls?.selfSigned).toBe(true);
    expect(result.tls?.subject).toBe('CN=localhost');
  });

  it('is up for a self-signed certificate with tls.verify false, and says it is self-signed', async () => {
    const server = await serve({ protocol: 'https', tls: await createSelfSigned(), handler: hello });
    const result = await probe(
      probeSpecFor(server.url('/', 'localhost'), { tls: { verify: false, expiry_warning_days: 14 } }),
    );
    expectUp(result);
    expect(result.tls?.selfSigned).toBe(true);
  });

  it('is down with tls_expired for an expired certificate, with its end date in the result', async () => {
    const server = await serve({ protocol: 'https', tls: await createExpiredLeaf(ca, 3), handler: hello });
    const result = await probe(probeSpecFor(server.url('/', 'localhost')), { tlsContext: withCa });
    expectDown(result, 'tls_expired', 'tls');
    expect(result.tls?.daysLeft).toBe(-3);
    expect(result.message).toContain(result.tls?.validTo?.slice(0, 10));
  });

  it('is down with tls_not_yet_valid for a certificate valid from the future', async () => {
    const server = await serve({
      protocol: 'https',
      tls: await createNotYetValidLeaf(ca, 2),
      handler: hello,
    });
    const result = await probe(probeSpecFor(server.url('/', 'localhost')), { tlsContext: withCa });
    expectDown(result, 'tls_not_yet_valid', 'tls');
  });

  it('is down with tls_hostname when the certificate is for another name', async () => {
    const server = await serve({
      protocol: 'https',
      tls: await createLeaf(ca, { sans: ['api.example.com'] }),
      handler: hello,
    });
    const result = await probe(probeSpecFor(server.url('/', 'localhost')), { tlsContext: withCa });
    expectDown(result, 'tls_hostname', 'tls');
    expect(result.tls?.sans).toEqual(['api.example.com']);
  });

  it('checks IP literals against IP SANs', async () => {
    const server = await serve({
      protocol: 'https',
      tls: await createLeaf(ca, { sans: ['localhost'] }),
      handler: hello,
    });
    expectDown(await probe(probeSpecFor(server.url('/')), { tlsContext: withCa }), 'tls_hostname', 'tls');
    const withIp = await serve({
      protocol: 'https',
      tls: await createLeaf(ca, { sans: ['127.0.0.1'] }),
      handler: hello,
    });
    expectUp(await probe(probeSpecFor(withIp.url('/')), { tlsContext: withCa }));
  });

  it('does not trust a private CA by default, and trusts it through the extra CA file', async () => {
    const server = await serve({ protocol: 'https', tls: await createLeaf(ca), handler: hello });
    const untrusted = await probe(probeSpecFor(server.url('/', 'localhost')));
    expectDown(untrusted, 'tls_untrusted', 'tls');
    expect(untrusted.tls?.issuer).toBe('CN=Vigil Private CA');

    const trusted = await probe(probeSpecFor(server.url('/', 'localhost')), { tlsContext: withCa });
    expectUp(trusted);
    expect(trusted.tls).toMatchObject({
      subject: 'CN=localhost',
      issuer: 'CN=Vigil Private CA',
      sans: ['localhost', '127.0.0.1', '::1'],
      selfSigned: false,
      legacyFallback: false,
    });
    expect(trusted.tls?.daysLeft).toBeGreaterThanOrEqual(88);
    expect(trusted.tls?.cipher).toMatch(/^TLS_/);
    expect(Date.parse(trusted.tls?.validFrom ?? '')).toBeLessThan(Date.now());
  });

  it('rejects an unreadable or empty CA file with a stable code', () => {
    expect(() => createProbeTlsContext({ extraCaFile: `${pems.path}/missing.pem` })).toThrow(
      ProbeTlsConfigError,
    );
    const empty = pems.write('empty.pem', 'not a certificate\n');
    try {
      createProbeTlsContext({ extraCaFile: empty });
      expect.unreachable();
    } catch (error) {
      expect((error as ProbeTlsConfigError).code).toBe('ca_file_empty');
    }
  });

  it('asserts on tls_days_left', async () => {
    const server = await serve({ protocol: 'https', tls: await createLeaf(ca), handler: hello });
    const spec = (value: number) =>
      probeSpecFor(server.url('/', 'localhost'), {
        assertions: [{ source: 'tls_days_left', operator: 'gt', value }],
      });
    expectUp(await probe(spec(30), { tlsContext: withCa }));
    expectDown(await probe(spec(365), { tlsContext: withCa }), 'assertion', null);
  });
});

describe('handshake', () => {
  it('retries once with TLS 1.0 allowed for a TLS 1.0-only server and records the fallback', async () => {
    const server = await serve({
      protocol: 'https',
      tls: {
        ...(await createLeaf(ca)),
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
      },
      handler: hello,
    });
    const result = await probe(probeSpecFor(server.url('/', 'localhost'), { keywords: ['hello'] }), {
      tlsContext: withCa,
    });
    expectUp(result);
    expect(result.tls?.version).toBe('TLSv1');
    expect(result.tls?.legacyFallback).toBe(true);
    expect(result.message).toContain('TLS 1.0/1.1');
  });

  it('is down with tls_handshake when the retry fails too (a port that does not speak TLS)', async () => {
    let connections = 0;
    const raw = await startRawServer((socket) => {
      connections += 1;
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'));
    });
    try {
      const result = await probe(probeSpecFor(`https://127.0.0.1:${raw.port}/`));
      expectDown(result, 'tls_handshake', 'tls');
      expect(connections).toBe(2);
      expect(result.log?.connection.some((line) => line.includes('retrying once with TLS 1.0/1.1'))).toBe(
        true,
      );
    } finally {
      await raw.close();
    }
  });

  it('does not retry on a certificate problem', async () => {
    let handshakes = 0;
    const server = await serve({ protocol: 'https', tls: await createSelfSigned(), handler: hello });
    const raw = await startRawServer((socket) => {
      handshakes += 1;
      const upstream = net.connect(server.port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
    });
    try {
      expectDown(await probe(probeSpecFor(`https://localhost:${raw.port}/`)), 'tls_self_signed', 'tls');
      expect(handshakes).toBe(1);
    } finally {
      await raw.close();
    }
  });

  it('never resumes a TLS session: every check is a full handshake', async () => {
    const server = await serve({ protocol: 'https', tls: await createLeaf(ca), handler: hello });
    for (let i = 0; i < 3; i++)
      expectUp(await probe(probeSpecFor(server.url('/', 'localhost')), { tlsContext: withCa }));
    expect(server.requests.map((request) => request.sessionReused)).toEqual([false, false, false]);
  });
});

describe('HTTP/2', () => {
  it('negotiates HTTP/2 by ALPN with http.version auto', async () => {
    const server = await serve({ protocol: 'h2', tls: await createLeaf(ca), handler: hello });
    const result = await probe(
      probeSpecFor(server.url('/', 'localhost'), { keywords: ['hello over HTTP/2.0'] }),
      {
        tlsContext: withCa,
      },
    );
    expectUp(result);
    expect(result.httpVersion).toBe('2');
    expect(result.tls?.alpn).toBe('h2');
    expect(result.message).toMatch(/^200 OK/);
  });

  it('stays on HTTP/1.1 with http.version 1.1', async () => {
    const server = await serve({ protocol: 'h2', tls: await createLeaf(ca), handler: hello });
    const result = await probe(
      probeSpecFor(server.url('/', 'localhost'), {
        http: { version: '1.1' },
        keywords: ['hello over HTTP/1.1'],
      }),
      { tlsContext: withCa },
    );
    expectUp(result);
    expect(result.httpVersion).toBe('1.1');
  });

  it('is down with protocol_error when http.version 2 meets a server without HTTP/2', async () => {
    const server = await serve({ protocol: 'https', tls: await createLeaf(ca), handler: hello });
    const result = await probe(probeSpecFor(server.url('/', 'localhost'), { http: { version: '2' } }), {
      tlsContext: withCa,
    });
    expectDown(result, 'protocol_error', 'tls');
  });

  it('POSTs over HTTP/2', async () => {
    const server = await serve({
      protocol: 'h2',
      tls: await createLeaf(ca),
      handler: (_req, res, body) => res.end(`got ${body.toString()}`),
    });
    const result = await probe(
      probeSpecFor(server.url('/', 'localhost'), { method: 'POST', body: 'x=1', keywords: ['got x=1'] }),
      { tlsContext: withCa },
    );
    expectUp(result);
    expect(result.httpVersion).toBe('2');
  });
});
