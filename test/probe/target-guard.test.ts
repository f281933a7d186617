// The SSRF guard (VIGIL_BLOCK_PRIVATE_TARGETS): which addresses it refuses, and that the probe
// refuses them after its own resolution and on every redirect hop, before any connection. Tests
// only reach loopback, so a first hop on 127.0.0.2 is exempted through the allow-list
// (VIGIL_ALLOW_TARGETS) and redirects to 127.0.0.1, which stays blocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../collector/config/config.ts';
import { dnsServerResolver, probe, probeSpecFor } from '../../probe/index.ts';
import {
  blockPrivateTargets,
  TargetGuard,
  TargetGuardConfigError,
  targetGuardFromEnv,
} from '../../probe/target-guard.ts';
import { type CountingServer, startCountingServer } from './helpers/counting-server.ts';
import { expectDown, expectUp } from './helpers/expect.ts';
import { type FakeDns, startFakeDns } from './helpers/fake-dns.ts';

describe('TargetGuard.blocked', () => {
  const guard = new TargetGuard();
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['100.100.100.200', 'cloud metadata'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%lo', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::7f00:1', 'IPv4-compatible'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved or broadcast'],
    ['64:ff9b::7f00:1', 'loopback (127.0.0.1 inside)'],
    ['2002:a00:1::1', 'private (10.0.0.1 inside)'],
  ])('refuses %s (%s)', (address, range) => {
    expect(guard.blocked(address)).toEqual({ address, range });
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '169.255.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('lets %s through', (address) => {
    expect(guard.blocked(address)).toBeNull();
  });

  it('lets allow-listed addresses and ranges through, and nothing else', () => {
    const allowing = new TargetGuard({ allow: ['127.0.0.2', '10.1.0.0/16', 'fd00:1::/32'] });
    expect(allowing.blocked('127.0.0.2')).toBeNull();
    expect(allowing.blocked('::ffff:127.0.0.2')).toBeNull();
    expect(allowing.blocked('10.1.200.3')).toBeNull();
    expect(allowing.blocked('fd00:1::5')).toBeNull();
    expect(allowing.blocked('127.0.0.1')?.range).toBe('loopback');
    expect(allowing.blocked('10.2.0.1')?.range).toBe('private');
  });

  it('reads the environment: off unless asked, and an unusable value is an error', () => {
    expect(targetGuardFromEnv({})).toBeNull();
    expect(targetGuardFromEnv({ VIGIL_BLOCK_PRIVATE_TARGETS: 'false' })).toBeNull();
    const on = targetGuardFromEnv({
      VIGIL_BLOCK_PRIVATE_TARGETS: 'true',
      VIGIL_ALLOW_TARGETS: ' 10.0.0.0/8 , ::1',
    });
    expect(on?.allowed).toEqual(['10.0.0.0/8', '::1']);
    expect(on?.blocked('10.9.9.9')).toBeNull();
    expect(blockPrivateTargets('1')).toBe(true);
    expect(() => blockPrivateTargets('maybe')).toThrow(
      expect.objectContaining({ code: 'block_private_targets_invalid' }),
    );
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '10.0.0.0/x']) {
      expect(() => new TargetGuard({ allow: [bad] }), bad).toThrow(TargetGuardConfigError);
    }
  });
});

describe('the probe with the guard on', () => {
  let loopback: CountingServer;
  /** The "public" first hop: 127.0.0.2, exempted by the allow-list. */
  let exempt: CountingServer;
  let dns: FakeDns;
  const guard = new TargetGuard({ allow: ['127.0.0.2'] });

  beforeAll(async () => {
    loopback = await startCountingServer('127.0.0.1');
    exempt = await startCountingServer('127.0.0.2', (req, res) => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      if (to === null) {
        res.end('public');
        return;
      }
      res.statusCode = 302;
      res.setHeader('location', to);
      res.end();
    });
    dns = await startFakeDns({
      'internal.test': { A: ['127.0.0.1'] },
      'metadata.test': { A: ['169.254.169.254'], AAAA: ['fd00:ec2::254'] },
      'mixed.test': { A: ['127.0.0.1', '127.0.0.2'] },
    });
  });

  afterAll(async () => {
    await Promise.all([loopback.close(), exempt.close(), dns.close()]);
  });

  it('refuses a target on 127.0.0.1 with target_blocked, and no connection reaches it', async () => {
    const before = loopback.accepted;
    const result = await probe(probeSpecFor(loopback.url('/')), { targetGuard: guard });
    expectDown(result, 'target_blocked', 'connect');
    expect(result.remote).toBeNull();
    expect(result.message).toContain('127.0.0.1 (loopback)');
    expect(loopback.accepted).toBe(before);
  });

  it('refuses other spellings of loopback: decimal, hex, IPv4-mapped IPv6', async () => {
    const before = loopback.accepted;
    for (const host of ['2130706433', '0x7f.1', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]']) {
      const url = `http://${host}:${loopback.port}/`;
      expectDown(await probe(probeSpecFor(url), { targetGuard: guard }), 'target_blocked', 'connect');
    }
    expect(loopback.accepted).toBe(before);
  });

  it('refuses a name that resolves to loopback (system resolver: localhost)', async () => {
    const before = loopback.accepted;
    const result = await probe(probeSpecFor(loopback.url('/', 'localhost')), { targetGuard: guard });
    expectDown(result, 'target_blocked', 'connect');
    expect(loopback.accepted).toBe(before);
  });

  it('refuses a name a DNS server points at loopback or the metadata address', async () => {
    const before = loopback.accepted;
    const resolver = dnsServerResolver([dns.server]);
    const internal = await probe(probeSpecFor(loopback.url('/', 'internal.test')), {
      targetGuard: guard,
      resolver,
    });
    expectDown(internal, 'target_blocked', 'connect');
    expect(internal.message).toContain('internal.test: 127.0.0.1 (loopback)');
    const metadata = await probe(probeSpecFor('http://metadata.test/latest/meta-data/'), {
      targetGuard: guard,
      resolver,
    });
    expectDown(metadata, 'target_blocked', 'connect');
    expect(loopback.accepted).toBe(before);
  });

  it('connects only to the permitted addresses of a name that has both kinds', async () => {
    const before = loopback.accepted;
    const result = await probe(probeSpecFor(exempt.url('/', 'mixed.test')), {
      targetGuard: guard,
      resolver: dnsServerResolver([dns.server]),
      happyEyeballsDelay: 10,
    });
    expectUp(result);
    expect(result.remote?.ip).toBe('127.0.0.2');
    expect(loopback.accepted).toBe(before);
  });

  it('refuses a redirect hop to a blocked address (and to a name resolving to one)', async () => {
    const before = loopback.accepted;
    for (const to of [loopback.url('/secret'), loopback.url('/secret', 'localhost')]) {
      const result = await probe(probeSpecFor(exempt.url(`/go?to=${encodeURIComponent(to)}`)), {
        targetGuard: guard,
      });
      expectDown(result, 'target_blocked', 'connect');
      expect(result.redirects).toHaveLength(1);
      expect(result.redirects[0]!.remote?.ip).toBe('127.0.0.2');
    }
    expect(loopback.accepted).toBe(before);
  });

  it('checks the allowed first hop like any other: reachable, up', async () => {
    expectUp(await probe(probeSpecFor(exempt.url('/')), { targetGuard: guard }));
  });
});

describe('the probe with the guard off (the default)', () => {
  let loopback: CountingServer;
  beforeAll(async () => {
    loopback = await startCountingServer('127.0.0.1', (req, res) => {
      if (req.url === '/creds') {
        res.statusCode = 302;
        res.setHeader('location', `http://admin:hunter2@127.0.0.1:${loopback.port}/`);
      }
      res.end('ok');
    });
  });
  afterAll(() => loopback.close());

  it('reaches loopback as before', async () => {
    expectUp(await probe(probeSpecFor(loopback.url('/'))));
    expectUp(await probe(probeSpecFor(loopback.url('/', 'localhost')), { targetGuard: null }));
  });

  it('refuses a redirect whose Location carries a user name or password (redirect_invalid)', async () => {
    const result = await probe(probeSpecFor(loopback.url('/creds')));
    expectDown(result, 'redirect_invalid');
    expect(result.message).toContain('user name or password');
    // The message does not repeat them; the response log still shows what the server sent.
    expect(result.message).not.toContain('hunter2');
  });
});

describe('the collector settings for the embedded runner', () => {
  it('reads block_private_targets and allow_targets, and refuses an unusable range', async () => {
    expect(DEFAULT_CONFIG).toMatchObject({ blockPrivateTargets: false, allowTargets: [] });
    const config = await loadConfig({
      env: { VIGIL_BLOCK_PRIVATE_TARGETS: 'true', VIGIL_ALLOW_TARGETS: '10.1.0.0/16, fd00::1' },
    });
    expect(config).toMatchObject({ blockPrivateTargets: true, allowTargets: ['10.1.0.0/16', 'fd00::1'] });
    await expect(loadConfig({ env: { VIGIL_ALLOW_TARGETS: 'intranet' } })).rejects.toThrow(ConfigError);
    await expect(loadConfig({ env: { VIGIL_BLOCK_PRIVATE_TARGETS: 'maybe' } })).rejects.toThrow(ConfigError);
  });
});
