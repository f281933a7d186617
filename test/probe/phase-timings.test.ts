// Phase timings record only what happened: a phase the check never entered is null, never 0, and
// the phases present still add up to total. Real servers and a fake DNS server on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProbeTlsContext,
  dnsServerResolver,
  probe,
  probeSpecFor,
  type Timings,
} from '../../probe/index.ts';
import { renderCheckResult } from '../../probe/render.ts';
import { createCa, createLeaf, pemDirectory } from '../support/certs.ts';
import { startTarget, type TargetServer } from '../support/target-server.ts';
import { expectDown, expectUp } from './helpers/expect.ts';
import { type FakeDns, startFakeDns } from './helpers/fake-dns.ts';
import { holdRefusedPort } from './helpers/refused-port.ts';

let plain: TargetServer;
let secure: TargetServer;
let dns: FakeDns;
let pems: ReturnType<typeof pemDirectory>;
let tlsContext: ReturnType<typeof createProbeTlsContext>;

beforeAll(async () => {
  const ca = await createCa();
  pems = pemDirectory();
  tlsContext = createProbeTlsContext({ extraCaFile: pems.write('ca.pem', ca.cert) });
  plain = await startTarget({
    handler: (req, res) => {
      if (req.url === '/silent') return; // accepts, never answers
      if (req.url === '/to-https') {
        res.statusCode = 301;
        res.setHeader('location', secure.url('/', 'localhost'));
      }
      res.end('hello');
    },
  });
  secure = await startTarget({
    protocol: 'https',
    tls: await createLeaf(ca),
    handler: (_q, r) => r.end('hi'),
  });
  dns = await startFakeDns({ 'plain.test': { A: ['127.0.0.1'] } });
});

afterAll(async () => {
  await Promise.all([plain.close(), secure.close(), dns.close()]);
  pems.cleanup();
});

/** Which phases are present (non-null), in order. */
const present = (t: Timings) =>
  (['resolve', 'connect', 'tls', 'processing', 'transfer'] as const).filter((key) => t[key] !== null);

describe('phases that never happened are null', () => {
  it('an http:// check has no tls; an IP literal has no resolve', async () => {
    const result = await probe(probeSpecFor(plain.url('/')));
    expectUp(result);
    expect(result.timings.tls).toBeNull();
    expect(result.timings.resolve).toBeNull();
    expect(present(result.timings)).toEqual(['connect', 'processing', 'transfer']);
  });

  it('an http:// check on a name resolves, and still has no tls', async () => {
    const result = await probe(probeSpecFor(`http://plain.test:${plain.port}/`), {
      resolver: dnsServerResolver([dns.server]),
    });
    expectUp(result);
    expect(present(result.timings)).toEqual(['resolve', 'connect', 'processing', 'transfer']);
  });

  it('an https:// check has every phase', async () => {
    const result = await probe(probeSpecFor(secure.url('/', 'localhost')), { tlsContext });
    expectUp(result);
    expect(present(result.timings)).toEqual(['resolve', 'connect', 'tls', 'processing', 'transfer']);
  });

  it('a refused connection has no processing and no transfer (nor tls for https)', async () => {
    const refused = await holdRefusedPort();
    try {
      const http = await probe(probeSpecFor(`http://127.0.0.1:${refused.port}/`));
      expectDown(http, 'connect_refused', 'connect');
      expect(http.timings).toMatchObject({ tls: null, processing: null, transfer: null });
      expect(http.timings.connect).toBeGreaterThan(0);
      const https = await probe(probeSpecFor(`https://127.0.0.1:${refused.port}/`), { tlsContext });
      expectDown(https, 'connect_refused', 'connect');
      expect(present(https.timings)).toEqual(['connect']);
    } finally {
      await refused.release();
    }
  });

  it('a DNS failure has only resolve and total', async () => {
    const result = await probe(probeSpecFor('http://missing.test/'), {
      resolver: dnsServerResolver([dns.server]),
    });
    expectDown(result, 'dns_nxdomain', 'resolve');
    expect(present(result.timings)).toEqual(['resolve']);
    expect(result.timings.total).toBeGreaterThan(0);
  });

  it('a timeout waiting for the first byte has processing but no transfer', async () => {
    const result = await probe(probeSpecFor(plain.url('/silent'), { timeout: 300 }));
    expectDown(result, 'timeout', 'processing');
    expect(present(result.timings)).toEqual(['connect', 'processing']);
  });

  it('across redirect hops, a phase is the sum of the hops where it happened', async () => {
    const result = await probe(probeSpecFor(plain.url('/to-https')), { tlsContext });
    expectUp(result);
    const [hop] = result.redirects;
    expect(hop?.timings.tls).toBeNull();
    expect(hop?.timings.resolve).toBeNull();
    // Only the https hop (on localhost) resolved and shook hands: the sums are that hop's alone.
    expect(result.timings.tls).toBeGreaterThan(0);
    expect(result.timings.resolve).not.toBeNull();
    const connect = (result.timings.connect ?? 0) - (hop?.timings.connect ?? 0);
    expect(connect).toBeGreaterThan(0);
  });

  it('the CLI waterfall shows a dash for a phase that never happened, never 0', async () => {
    const refused = await holdRefusedPort();
    try {
      const result = await probe(probeSpecFor(`http://127.0.0.1:${refused.port}/`));
      const text = renderCheckResult(result, { title: 'GET' });
      expect(text).not.toContain('TLS Handshake');
      expect(text).toContain('starttransfer:—');
      // No lookup (IP literal), no processing, no transfer: three dashes in the bar of phases.
      const bar = text.split('\n').find((line) => line.trimStart().startsWith('['));
      expect(bar?.match(/—/g)).toHaveLength(3);
    } finally {
      await refused.release();
    }
  });
});
