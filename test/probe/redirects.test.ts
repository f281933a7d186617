// Redirects followed by hand: limits, relative and cross-host Locations, method rules, HTTPS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbeTlsContext, probe, probeSpecFor } from '../../probe/index.ts';
import { createCa, createLeaf, pemDirectory } from '../support/certs.ts';
import { startTarget, type TargetResponse, type TargetServer } from '../support/target-server.ts';
import { expectDown, expectUp } from './helpers/expect.ts';
import { IPV6_LOOPBACK } from './helpers/ipv6.ts';

let v4: TargetServer;
/** On [::1]; on 127.0.0.1 (still another origin) where the machine has no IPv6 loopback. */
let v6: TargetServer;
let secure: TargetServer;
let pems: ReturnType<typeof pemDirectory>;
let tlsContext: ReturnType<typeof createProbeTlsContext>;

/** `/chain/N` redirects to `/chain/N-1` until `/chain/0`, which answers 200. */
function redirectingHandler(other: () => TargetServer) {
  return (req: { url?: string; method?: string }, res: TargetResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, location: string) => {
      res.statusCode = status;
      res.setHeader('location', location);
      res.end(`moved to ${location}`);
    };
    const chain = /^\/chain\/(\d+)$/.exec(url.pathname);
    if (chain) {
      const left = Number(chain[1]);
      if (left === 0) res.end('end of chain');
      else send(301, `/chain/${left - 1}`);
    } else if (url.pathname === '/relative/start') send(302, '../relative/next?step=2');
    else if (url.pathname === '/relative/next') res.end(`arrived with ${url.search}`);
    else if (url.pathname === '/to-localhost') send(301, other().url('/landing', 'localhost'));
    else if (url.pathname === '/to-v6') send(301, other().url('/landing'));
    else if (url.pathname === '/to-https') send(301, secure.url('/landing', 'localhost'));
    else if (url.pathname === '/see-other') send(303, '/landing');
    else if (url.pathname === '/temporary') send(307, '/landing');
    else if (url.pathname === '/found') send(302, '/landing');
    else if (url.pathname === '/bad-location') send(301, 'http://[not-an-ip/x');
    else if (url.pathname === '/ftp-location') send(301, 'ftp://127.0.0.1/file');
    else if (url.pathname === '/loop') send(302, '/loop');
    else if (url.pathname === '/landing') res.end(`landed ${req.method}`);
    else {
      res.statusCode = 404;
      res.end('no route');
    }
  };
}

beforeAll(async () => {
  const ca = await createCa();
  pems = pemDirectory();
  tlsContext = createProbeTlsContext({ extraCaFile: pems.write('ca.pem', ca.cert) });
  secure = await startTarget({
    protocol: 'https',
    tls: await createLeaf(ca),
    handler: redirectingHandler(() => v4),
  });
  v6 = await startTarget({
    host: IPV6_LOOPBACK ? '::1' : '127.0.0.1',
    handler: redirectingHandler(() => v4),
  });
  v4 = await startTarget({ handler: redirectingHandler(() => v6) });
});

afterAll(async () => {
  await Promise.all([v4.close(), v6.close(), secure.close()]);
  pems.cleanup();
});

describe('redirect limits', () => {
  it('follows a chain of 5 redirects with follow_redirects 5', async () => {
    const result = await probe(probeSpecFor(v4.url('/chain/5'), { keywords: ['end of chain'] }));
    expectUp(result);
    expect(result.redirects).toHaveLength(5);
    expect(result.redirects.map((hop) => hop.status)).toEqual([301, 301, 301, 301, 301]);
    expect(result.redirects[0]).toMatchObject({
      url: v4.url('/chain/5'),
      method: 'GET',
      location: '/chain/4',
    });
    expect(result.redirects.every((hop) => hop.remote?.ip === '127.0.0.1')).toBe(true);
    // Hops are part of the total: five redirect hops and the final request.
    const hopsTotal = result.redirects.reduce((sum, hop) => sum + hop.timings.total, 0);
    expect(hopsTotal).toBeLessThan(result.timings.total);
  });

  it('is down with too_many_redirects on a chain of 6', async () => {
    const result = await probe(probeSpecFor(v4.url('/chain/6')));
    expectDown(result, 'too_many_redirects');
    expect(result.redirects).toHaveLength(6);
    expect(result.status).toBe(301);
  });

  it('honours a lower limit, and a redirect loop ends at the limit', async () => {
    expectDown(await probe(probeSpecFor(v4.url('/chain/2'), { follow_redirects: 1 })), 'too_many_redirects');
    expectDown(await probe(probeSpecFor(v4.url('/loop'))), 'too_many_redirects');
  });

  it('with follow_redirects 0, judges the redirect itself', async () => {
    const down = await probe(probeSpecFor(v4.url('/chain/1'), { follow_redirects: 0 }));
    expectDown(down, 'status');
    expect(down.status).toBe(301);
    const up = await probe(
      probeSpecFor(v4.url('/chain/1'), {
        follow_redirects: 0,
        assertions: [
          { source: 'status', operator: 'eq', value: 301 },
          { source: 'header', name: 'location', operator: 'eq', value: '/chain/0' },
        ],
      }),
    );
    expectUp(up);
  });
});

describe('locations', () => {
  it('resolves a relative Location against the current URL', async () => {
    const result = await probe(
      probeSpecFor(v4.url('/relative/start'), { keywords: ['arrived with ?step=2'] }),
    );
    expectUp(result);
    expect(result.redirects[0]?.location).toBe('../relative/next?step=2');
  });

  it.runIf(IPV6_LOOPBACK)(
    'follows a cross-host redirect (127.0.0.1 -> localhost -> [::1]) on new connections',
    async () => {
      // 127.0.0.1 -> [::1], then [::1] -> localhost (a name, resolved by the probe to 127.0.0.1).
      const result = await probe(probeSpecFor(v4.url('/to-v6'), { keywords: ['landed'] }));
      expectUp(result);
      expect(result.redirects.map((hop) => hop.remote?.family)).toEqual([4]);
      expect(result.remote).toEqual({ ip: '::1', family: 6, port: v6.port });

      const viaName = await probe(probeSpecFor(v6.url('/to-localhost'), { keywords: ['landed'] }));
      expectUp(viaName);
      expect(viaName.redirects[0]?.remote).toEqual({ ip: '::1', family: 6, port: v6.port });
      expect(viaName.remote).toEqual({ ip: '127.0.0.1', family: 4, port: v4.port });
    },
  );

  it('follows a redirect to https and reports the TLS of the final hop', async () => {
    const result = await probe(probeSpecFor(v4.url('/to-https'), { keywords: ['landed GET'] }), {
      tlsContext,
    });
    expectUp(result);
    expect(result.tls?.version).toMatch(/^TLSv1\.[23]$/);
    expect(result.timings.tls).toBeGreaterThan(0);
    expect(result.redirects[0]?.timings.tls).toBeNull();
  });

  it('reports no TLS when an https hop redirects to plain http (the result is the final hop)', async () => {
    const result = await probe(
      probeSpecFor(secure.url('/to-localhost', 'localhost'), { keywords: ['landed'] }),
      {
        tlsContext,
      },
    );
    expectUp(result);
    expect(result.tls).toBeNull();
    expect(result.redirects[0]?.timings.tls).toBeGreaterThan(0);
    expect(result.timings.tls).toBe(result.redirects[0]?.timings.tls);
  });

  it('is down with redirect_invalid for a Location that is not a usable URL', async () => {
    expectDown(await probe(probeSpecFor(v4.url('/bad-location'))), 'redirect_invalid');
    expectDown(await probe(probeSpecFor(v4.url('/ftp-location'))), 'redirect_invalid');
  });
});

describe('method rules (RFC 9110)', () => {
  it('303 turns POST into GET without the body', async () => {
    const before = v4.requests.length;
    const result = await probe(
      probeSpecFor(v4.url('/see-other'), { method: 'POST', body: 'a=1', keywords: ['landed GET'] }),
    );
    expectUp(result);
    const landing = v4.requests.slice(before).find((request) => request.path === '/landing');
    expect(landing?.body).toBe('');
    expect(landing?.headers['content-type']).toBeUndefined();
  });

  it('302 turns POST into GET; 307 repeats POST with its body', async () => {
    expectUp(
      await probe(probeSpecFor(v4.url('/found'), { method: 'POST', body: 'a=1', keywords: ['landed GET'] })),
    );
    const before = v4.requests.length;
    expectUp(
      await probe(
        probeSpecFor(v4.url('/temporary'), { method: 'POST', body: 'a=1', keywords: ['landed POST'] }),
      ),
    );
    const landing = v4.requests.slice(before).find((request) => request.path === '/landing');
    expect(landing?.body).toBe('a=1');
  });

  it('keeps HEAD on a 303', async () => {
    const before = v4.requests.length;
    expectUp(await probe(probeSpecFor(v4.url('/see-other'), { method: 'HEAD' })));
    expect(v4.requests.slice(before).map((request) => request.method)).toEqual(['HEAD', 'HEAD']);
  });

  it('does not forward Authorization to another origin', async () => {
    const before = v6.requests.length;
    expectUp(
      await probe(
        probeSpecFor(v4.url('/to-v6'), { headers: { Authorization: 'Bearer abc', 'X-Trace': '1' } }),
      ),
    );
    const landing = v6.requests[before];
    expect(landing?.headers.authorization).toBeUndefined();
    expect(landing?.headers['x-trace']).toBe('1');
  });
});
