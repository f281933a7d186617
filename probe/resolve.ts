// Name resolution, done by the probe itself so the `resolve` phase is measured on its own and the
// connection goes to an address we chose (and can report). Injectable: tests point it at a fake
// DNS server on loopback, a runner could point it at a chosen resolver.
import dns from 'node:dns';
import net from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Family 0 = both (ip: auto). Rejects with a Node DNS error (`code` ENOTFOUND, ENODATA, ETIMEOUT...). */
export type HostResolver = (hostname: string, family: 0 | 4 | 6) => Promise<ResolvedAddress[]>;

/**
 * getaddrinfo through libuv's thread pool: honours /etc/hosts and nsswitch like every other
 * program on the host, so `localhost` and split-horizon names behave as the operator expects.
 * Order is what the system gives (RFC 6724 sorting); Happy Eyeballs interleaves families later.
 */
export const systemResolver: HostResolver = async (hostname, family) => {
  const found = await dns.promises.lookup(hostname, { all: true, family, order: 'verbatim' });
  return found.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

export interface DnsServerResolverOptions {
  /** Per-query timeout in ms (c-ares), default 2000. */
  timeout?: number;
  /** Attempts per server, default 2. */
  tries?: number;
}

/**
 * Queries the given DNS servers directly (A and AAAA), bypassing /etc/hosts. `servers` take the
 * `dns.setServers` form: `'127.0.0.1'`, `'127.0.0.1:5353'`, `'[::1]:53'`.
 */
export function dnsServerResolver(servers: string[], options: DnsServerResolverOptions = {}): HostResolver {
  const resolver = new dns.promises.Resolver({ timeout: options.timeout ?? 2000, tries: options.tries ?? 2 });
  resolver.setServers(servers);
  const query = async (hostname: string, family: 4 | 6): Promise<ResolvedAddress[]> => {
    const addresses = family === 4 ? await resolver.resolve4(hostname) : await resolver.resolve6(hostname);
    return addresses.map((address) => ({ address, family }));
  };
  return async (hostname, family) => {
    if (family !== 0) return query(hostname, family);
    const [v6, v4] = await Promise.allSettled([query(hostname, 6), query(hostname, 4)]);
    const found = [
      ...(v6.status === 'fulfilled' ? v6.value : []),
      ...(v4.status === 'fulfilled' ? v4.value : []),
    ];
    if (found.length > 0) return found;
    // Both failed: the more telling error wins (a timeout or NXDOMAIN says more than "no AAAA").
    const errors = [v4, v6].map(
      (settled) => (settled as PromiseRejectedResult).reason as NodeJS.ErrnoException,
    );
    throw errors.find((error) => error.code !== 'ENODATA') ?? errors[0];
  };
}

/** The address in a URL host when it is an IP literal (brackets removed), else null. */
export function ipLiteral(hostname: string): ResolvedAddress | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const family = net.isIP(bare);
  return family === 0 ? null : { address: bare, family: family === 6 ? 6 : 4 };
}
