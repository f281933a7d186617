// The SSRF guard of collectors shared by several teams (VIGIL_BLOCK_PRIVATE_TARGETS): the probe
// refuses to connect to an address in a private, loopback, link-local (cloud metadata),
// unique-local, CGNAT, unspecified, multicast or broadcast range. The check runs on the very
// addresses the probe connects to, after its own resolution (check-connect.ts), on every redirect
// hop: there is no second resolution a DNS answer could change in between. Off by default:
// self-hosted collectors monitor internal services.
import net from 'node:net';

/** A named group of ranges; the name says in the failure message why an address is refused. */
interface Range {
  name: string;
  list: net.BlockList;
}

type Subnet = [network: string, prefix: number];

function range(name: string, subnets: Subnet[]): Range {
  const list = new net.BlockList();
  for (const [network, prefix] of subnets)
    list.addSubnet(network, prefix, net.isIPv6(network) ? 'ipv6' : 'ipv4');
  return { name, list };
}

/**
 * Every range refused. BlockList matches IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`,
 * `::ffff:7f00:1`) against the IPv4 rules; NAT64 and 6to4 addresses are checked by the IPv4
 * address they carry (`embeddedIpv4`).
 */
const BLOCKED: readonly Range[] = [
  range('loopback', [
    ['127.0.0.0', 8],
    ['::1', 128],
  ]),
  range('cloud metadata', [
    ['169.254.169.254', 32],
    ['fd00:ec2::254', 128],
    ['100.100.100.200', 32],
  ]),
  range('link-local', [
    ['169.254.0.0', 16],
    ['fe80::', 10],
  ]),
  range('private', [
    ['10.0.0.0', 8],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
  ]),
  range('carrier-grade NAT', [['100.64.0.0', 10]]),
  range('unique-local', [['fc00::', 7]]),
  range('unspecified', [
    ['0.0.0.0', 8],
    ['::', 128],
  ]),
  // ::a.b.c.d (deprecated IPv4-compatible): not a routable form of any public address.
  range('IPv4-compatible', [['::', 96]]),
  range('multicast', [
    ['224.0.0.0', 4],
    ['ff00::', 8],
  ]),
  range('reserved or broadcast', [['240.0.0.0', 4]]),
];

/** The IPv6 prefixes that carry an IPv4 address, and where (which 16-bit groups). */
const EMBEDDING: ReadonlyArray<{ list: net.BlockList; groups: [number, number] }> = [
  { list: range('NAT64', [['64:ff9b::', 96]]).list, groups: [6, 7] },
  { list: range('6to4', [['2002::', 16]]).list, groups: [1, 2] },
];

/** Thrown for an unusable VIGIL_ALLOW_TARGETS entry. Stable `code`. */
export class TargetGuardConfigError extends Error {
  override name = 'TargetGuardConfigError';
  code: 'block_private_targets_invalid' | 'allow_targets_invalid';
  constructor(code: TargetGuardConfigError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export interface TargetGuardOptions {
  /** Addresses or CIDR ranges connected to even though a blocked range holds them (VIGIL_ALLOW_TARGETS). */
  allow?: readonly string[];
}

/** Why an address is refused: the range's name, for the failure message. */
export interface BlockedTarget {
  address: string;
  range: string;
}

export class TargetGuard {
  private readonly allow: net.BlockList;
  /** The allow-list as given, for messages. */
  readonly allowed: readonly string[];

  constructor(options: TargetGuardOptions = {}) {
    this.allowed = options.allow ?? [];
    this.allow = new net.BlockList();
    for (const entry of this.allowed) addAllowed(this.allow, entry);
  }

  /** Null when the probe may connect to `address` (an IP, as resolved), else why not. */
  blocked(address: string): BlockedTarget | null {
    const bare = address.split('%')[0]!;
    const family = net.isIP(bare);
    if (family === 0) return { address, range: 'not an IP address' };
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (this.allow.check(bare, type)) return null;
    for (const { name, list } of BLOCKED) if (list.check(bare, type)) return { address, range: name };
    if (family === 6) {
      const inner = embeddedIpv4(bare);
      if (inner !== null && !this.allow.check(inner, 'ipv4')) {
        const found = BLOCKED.find(({ list }) => list.check(inner, 'ipv4'));
        if (found !== undefined) return { address, range: `${found.name} (${inner} inside)` };
      }
    }
    return null;
  }
}

function addAllowed(list: net.BlockList, entry: string): void {
  const [network = '', prefixText, extra] = entry.trim().split('/');
  const family = net.isIP(network);
  const max = family === 6 ? 128 : 32;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (family === 0 || extra !== undefined || !/^\d+$/.test(String(prefix)) || prefix > max) {
    throw new TargetGuardConfigError(
      'allow_targets_invalid',
      `allowed targets: "${entry}" is not an IP address or CIDR range (e.g. 10.1.2.0/24, fd00::/8)`,
    );
  }
  list.addSubnet(network, prefix, family === 6 ? 'ipv6' : 'ipv4');
}

/** The IPv4 address a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address carries, else null. */
function embeddedIpv4(address: string): string | null {
  const carrier = EMBEDDING.find(({ list }) => list.check(address, 'ipv6'));
  if (carrier === undefined) return null;
  const groups = ipv6Groups(address);
  const [high, low] = carrier.groups.map((index) => groups[index]!);
  return [high! >> 8, high! & 0xff, low! >> 8, low! & 0xff].join('.');
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail read). */
function ipv6Groups(address: string): number[] {
  const parts = (text: string): number[] =>
    text === ''
      ? []
      : text.split(':').flatMap((part) => {
          if (!part.includes('.')) return [Number.parseInt(part, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = part.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = '', tail] = address.split('::');
  if (tail === undefined) return parts(head);
  const left = parts(head);
  const right = parts(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The guard the environment asks for: VIGIL_BLOCK_PRIVATE_TARGETS=true turns it on, with
 * VIGIL_ALLOW_TARGETS (comma-separated addresses or CIDR ranges) exempted. Null when off. A value
 * that is neither true nor false is an error rather than a silently open guard.
 */
export function targetGuardFromEnv(env: NodeJS.ProcessEnv): TargetGuard | null {
  const on = blockPrivateTargets(env.VIGIL_BLOCK_PRIVATE_TARGETS);
  return on ? new TargetGuard({ allow: allowListOf(env.VIGIL_ALLOW_TARGETS) }) : null;
}

/** VIGIL_BLOCK_PRIVATE_TARGETS: true/1/yes/on, false/0/no/off or unset (false). */
export function blockPrivateTargets(text: string | undefined): boolean {
  const value = (text ?? '').trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off', ''].includes(value)) return false;
  throw new TargetGuardConfigError(
    'block_private_targets_invalid',
    `VIGIL_BLOCK_PRIVATE_TARGETS must be true or false, not "${text}"`,
  );
}

/** `10.0.0.0/8, fd00::/8` -> entries. */
export function allowListOf(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
