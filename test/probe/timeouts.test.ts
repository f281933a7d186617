// Deadlines: a timed-out check says which phase it was in. Servers here stall forever, so the
// outcome does not depend on how fast the machine is; only the 1 s timeouts bound the runtime.
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsServerResolver, type HostResolver, probe, probeSpecFor } from '../../probe/index.ts';
import { startRawServer, startTarget, type TargetServer } from '../support/target-server.ts';
import { type Blackhole, startBlackhole } from './helpers/blackhole.ts';
import { expectDown } from './helpers/expect.ts';
import { startFakeDns } from './helpers/fake-dns.ts';

let target: TargetServer;
const pending: Array<() => void> = [];

beforeAll(async () => {
  target = await startTarget({
    handler: (req, response) => {
      const res = response as ServerResponse; // an HTTP/1.1 target
      if (req.url === '/never') {
        pending.push(() => res.end());
        return; // accept the request, never answer
      }
      if (req.url === '/slow-body') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first part of the body...');
        pending.push(() => res.end());
        return; // the rest never comes
      }
      res.end('ok');
    },
  });
});

afterAll(async () => {
  for (const finish of pending) finish();
  await target.close();
});

describe('timeouts', () => {
  it('times out in processing when the server accepts but never answers', async () => {
    const result = await probe(probeSpecFor(target.url('/never'), { timeout: 1000 }));
    expectDown(result, 'timeout', 'processing');
    expect(result.timings.total).toBeGreaterThanOrEqual(999);
    expect(result.status).toBeNull();
  });

  it('times out in transfer when the body stalls', async () => {
    const result = await probe(probeSpecFor(target.url('/slow-body'), { timeout: 1000 }));
    expectDown(result, 'timeout', 'transfer');
    expect(result.status).toBe(200);
    expect(result.log?.body).toBe('first part of the body...');
    expect(result.log?.bodyTruncated).toBe(true);
  });

  it('times out in tls when the server never answers the ClientHello', async () => {
    const raw = await startRawServer(() => {});
    try {
      const result = await probe(probeSpecFor(`https://127.0.0.1:${raw.port}/`, { timeout: 1000 }));
      expectDown(result, 'timeout', 'tls');
    } finally {
      await raw.close();
    }
  });

  describe('connect', () => {
    let blackhole: Blackhole;
    beforeAll(async () => {
      blackhole = await startBlackhole();
    });
    afterAll(() => blackhole.close());

    it('is down with connect_timeout when SYNs go unanswered until the check deadline', async () => {
      const result = await probe(probeSpecFor(`http://127.0.0.1:${blackhole.port}/`, { timeout: 1000 }));
      expectDown(result, 'connect_timeout', 'connect');
    });

    it('applies a connect deadline shorter than the check timeout', async () => {
      const result = await probe(probeSpecFor(`http://127.0.0.1:${blackhole.port}/`, { timeout: 10_000 }), {
        connectTimeout: 300,
      });
      expectDown(result, 'connect_timeout', 'connect');
      expect(result.timings.total).toBeLessThan(9000);
    });

    it('destroys every pending attempt of several addresses at the connect deadline', async () => {
      // 127.0.0.1 never answers, 127.0.0.2 (same port, nothing listens) is refused at once: the
      // race keeps waiting for the first until the deadline, then nothing of it may stay open.
      const port = blackhole.port;
      const resolver: HostResolver = async () => [
        { address: '127.0.0.1', family: 4 },
        { address: '127.0.0.2', family: 4 },
      ];
      // Open sockets and pending connects, once destroyed ones (earlier tests' too) have closed
      // their handles, which happens in a later turn of the event loop.
      const open = async () => {
        for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
        return process
          .getActiveResourcesInfo()
          .filter((kind) => kind === 'TCPSocketWrap' || kind === 'ConnectWrap')
          .sort();
      };
      const before = await open();
      const result = await probe(probeSpecFor(`http://far.test:${port}/`, { timeout: 10_000 }), {
        resolver,
        connectTimeout: 300,
        happyEyeballsDelay: 50,
      });
      expectDown(result, 'connect_timeout', 'connect');
      expect(result.log?.connection).toContain(`addresses tried: 127.0.0.1:${port}, 127.0.0.2:${port}`);
      expect(await open()).toEqual(before);
    });

    it('gives up connecting after 10 s by default, inside a longer check timeout', async () => {
      const result = await probe(probeSpecFor(`http://127.0.0.1:${blackhole.port}/`, { timeout: 25_000 }));
      expectDown(result, 'connect_timeout', 'connect');
      // The connect deadline fired, not the check's: it says so and what it waited.
      expect(result.message).toContain('within 10s');
      expect(result.timings.total).toBeLessThan(25_000);
    }, 60_000);
  });

  it('is down with dns_timeout when the DNS server never answers', async () => {
    const dns = await startFakeDns({}, { silent: true });
    try {
      const result = await probe(probeSpecFor('http://quiet.test/', { timeout: 1000 }), {
        resolver: dnsServerResolver([dns.server], { timeout: 5000, tries: 1 }),
      });
      expectDown(result, 'dns_timeout', 'resolve');
      expect(dns.queries.length).toBeGreaterThan(0);
    } finally {
      await dns.close();
    }
  });

  it('maps the resolver’s own timeout to dns_timeout too', async () => {
    const dns = await startFakeDns({}, { silent: true });
    try {
      const result = await probe(probeSpecFor('http://quiet.test/', { timeout: 5000 }), {
        resolver: dnsServerResolver([dns.server], { timeout: 200, tries: 1 }),
      });
      expectDown(result, 'dns_timeout', 'resolve');
    } finally {
      await dns.close();
    }
  });
});
