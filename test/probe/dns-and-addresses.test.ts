// Name resolution and address families: NXDOMAIN, forced families, IPv6 literals, Happy Eyeballs,
// connection refused. Tests that need a server on [::1] run where the machine has IPv6 loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interleaveFamilies } from '../../probe/connect.ts';
import { dnsServerResolver, type HostResolver, probe, probeSpecFor } from '../../probe/index.ts';
import { startTarget, type TargetServer } from '../support/target-server.ts';
import { expectDown, expectUp } from './helpers/expect.ts';
import { type FakeDns, startFakeDns } from './helpers/fake-dns.ts';
import { IPV6_LOOPBACK } from './helpers/ipv6.ts';
import { LATE_BODY, startLateServer } from './helpers/late-server.ts';
import { holdRefusedPort } from './helpers/refused-port.ts';

let v4: TargetServer;
/** Null on a machine without IPv6 loopback (the tests that need it do not run there). */
let v6: TargetServer | null = null;
let dns: FakeDns;

beforeAll(async () => {
  v4 = await startTarget({ handler: (_req, res) => res.end('hello v4') });
  if (IPV6_LOOPBACK) v6 = await startTarget({ host: '::1', handler: (_req, res) => res.end('hello v6') });
  dns = await startFakeDns({
    'both.test': { A: ['127.0.0.1'], AAAA: ['::1'] },
    'v4only.test': { A: ['127.0.0.1'] },
  });
});

function ipv6Target(): TargetServer {
  if (v6 === null) throw new Error('no IPv6 target: the test should not run without IPv6 loopback');
  return v6;
}

afterAll(async () => {
  await Promise.all([v4.close(), v6?.close(), dns.close()]);
});

describe('resolution', () => {
  it('is down with dns_nxdomain for a .invalid name through the system resolver', async () => {
    const result = await probe(probeSpecFor('http://nonexistent.invalid/'));
    expectDown(result, 'dns_nxdomain', 'resolve');
    expect(result.remote).toBeNull();
  });

  it('is down with dns_nxdomain when a DNS server answers NXDOMAIN', async () => {
    const result = await probe(probeSpecFor('http://missing.test/'), {
      resolver: dnsServerResolver([dns.server]),
    });
    expectDown(result, 'dns_nxdomain', 'resolve');
    expect(dns.queries.some((query) => query.name === 'missing.test')).toBe(true);
  });

  it('resolves through a chosen DNS server and connects to the answer', async () => {
    const result = await probe(probeSpecFor(`http://v4only.test:${v4.port}/`, { keywords: ['hello v4'] }), {
      resolver: dnsServerResolver([dns.server]),
    });
    expectUp(result);
    expect(result.remote).toEqual({ ip: '127.0.0.1', family: 4, port: v4.port });
  });

  it('resolves localhost through the system resolver (/etc/hosts)', async () => {
    expectUp(await probe(probeSpecFor(`http://localhost:${v4.port}/`)));
  });

  it('is down with dns_nxdomain when ip: 6 is forced on a name without AAAA', async () => {
    const result = await probe(probeSpecFor(`http://v4only.test:${v4.port}/`, { ip: 6 }), {
      resolver: dnsServerResolver([dns.server]),
    });
    expectDown(result, 'dns_nxdomain', 'resolve');
  });

  it('is down with dns_nxdomain when the forced family does not match an IP literal', async () => {
    // Decided before any connection: no server (and no IPv6 loopback) needed.
    expectDown(await probe(probeSpecFor(`http://[::1]:${v4.port}/`, { ip: 4 })), 'dns_nxdomain', 'resolve');
  });
});

describe('addresses', () => {
  it.runIf(IPV6_LOOPBACK)('checks an IPv6 literal [::1]', async () => {
    const v6 = ipv6Target();
    const result = await probe(probeSpecFor(v6.url('/'), { keywords: ['hello v6'] }));
    expectUp(result);
    expect(result.remote).toEqual({ ip: '::1', family: 6, port: v6.port });
    // An IP literal is not looked up: no resolve phase.
    expect(result.timings.resolve).toBeNull();
  });

  it('falls back to IPv4 with Happy Eyeballs when IPv6 is refused (ip: auto)', async () => {
    // Same port on both families, only the IPv4 one listens.
    const resolver: HostResolver = async () => [
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ];
    const result = await probe(probeSpecFor(`http://dual.test:${v4.port}/`, { keywords: ['hello v4'] }), {
      resolver,
    });
    expectUp(result);
    expect(result.remote?.family).toBe(4);
  });

  it.runIf(IPV6_LOOPBACK)('reaches IPv6 for a dual-stack name with ip: 6', async () => {
    const v6 = ipv6Target();
    const resolver = dnsServerResolver([dns.server]);
    const six = await probe(probeSpecFor(`http://both.test:${v6.port}/`, { ip: 6, keywords: ['hello v6'] }), {
      resolver,
    });
    expectUp(six);
    expect(six.remote?.ip).toBe('::1');
  });

  it('reaches IPv4 for a dual-stack name with ip: 4', async () => {
    const resolver = dnsServerResolver([dns.server]);
    const four = await probe(
      probeSpecFor(`http://both.test:${v4.port}/`, { ip: 4, keywords: ['hello v4'] }),
      {
        resolver,
      },
    );
    expectUp(four);
    expect(four.remote?.ip).toBe('127.0.0.1');
  });

  it('is down with connect_refused when nothing listens, naming every address tried', async () => {
    // A port nobody can start listening on meanwhile (a released one could be taken).
    const refused = await holdRefusedPort();
    const port = refused.port;
    try {
      const result = await probe(probeSpecFor(`http://127.0.0.1:${port}/`));
      expectDown(result, 'connect_refused', 'connect');
      expect(result.timings.connect).toBeGreaterThan(0);

      const resolver: HostResolver = async () => [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ];
      const both = await probe(probeSpecFor(`http://dual.test:${port}/`), { resolver });
      expectDown(both, 'connect_refused', 'connect');
      expect(both.log?.connection.join('\n')).toContain(`127.0.0.1:${port}`);
    } finally {
      await refused.release();
    }
  });

  it('keeps an earlier attempt running when a later address fails at once (RFC 8305)', async () => {
    // The first address connects only after the Happy Eyeballs delay (a far-away host), the second
    // is refused at once (same port on 127.0.0.2, where nothing listens). Aborting the first
    // attempt when the delay passes would leave only the refusal; the race waits for it.
    const late = await startLateServer();
    try {
      const resolver: HostResolver = async () => [
        { address: '127.0.0.1', family: 4 },
        { address: '127.0.0.2', family: 4 },
      ];
      const checking = probe(probeSpecFor(`http://far.test:${late.port}/`, { keywords: [LATE_BODY] }), {
        resolver,
        happyEyeballsDelay: 50,
      });
      // Well past the delay: the second attempt has started (and been refused) by now.
      await new Promise((resolve) => setTimeout(resolve, 300));
      late.open();
      const result = await checking;
      expectUp(result);
      expect(result.remote).toEqual({ ip: '127.0.0.1', family: 4, port: late.port });
    } finally {
      await late.close();
    }
  });

  it('logs every failed attempt with its own code when all addresses fail', async () => {
    const refused = await holdRefusedPort();
    const port = refused.port;
    try {
      const resolver: HostResolver = async () => [
        { address: '127.0.0.1', family: 4 },
        { address: '127.0.0.2', family: 4 },
      ];
      const result = await probe(probeSpecFor(`http://two.test:${port}/`), {
        resolver,
        happyEyeballsDelay: 50,
      });
      expectDown(result, 'connect_refused', 'connect');
      expect(result.remote).toBeNull();
      const log = result.log?.connection ?? [];
      expect(log).toContain(`connect to 127.0.0.1:${port} failed: ECONNREFUSED`);
      expect(log).toContain(`connect to 127.0.0.2:${port} failed: ECONNREFUSED`);
      expect(log).toContain(`addresses tried: 127.0.0.1:${port}, 127.0.0.2:${port}`);
    } finally {
      await refused.release();
    }
  });

  it('tries addresses with the families alternating, the first address’s family first, each once', () => {
    const v6 = (address: string) => ({ address, family: 6 as const });
    const v4 = (address: string) => ({ address, family: 4 as const });
    expect(interleaveFamilies([v6('::a'), v6('::b'), v6('::c'), v4('10.0.0.1'), v4('10.0.0.2')])).toEqual([
      v6('::a'),
      v4('10.0.0.1'),
      v6('::b'),
      v4('10.0.0.2'),
      v6('::c'),
    ]);
    expect(interleaveFamilies([v4('10.0.0.1'), v6('::a'), v4('10.0.0.1'), v4('10.0.0.2')])).toEqual([
      v4('10.0.0.1'),
      v6('::a'),
      v4('10.0.0.2'),
    ]);
  });

  it('survives a resolver that throws something without a code', async () => {
    const resolver: HostResolver = async () => {
      throw new Error('resolver exploded');
    };
    expectDown(await probe(probeSpecFor('http://odd.test/'), { resolver }), 'dns_error', 'resolve');
  });
});
