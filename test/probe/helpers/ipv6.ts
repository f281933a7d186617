// Whether this machine has the IPv6 loopback address. Containers often run with IPv6 turned off
// (no ::1 on lo): tests that need a server on [::1] run only where it exists, and the rest of
// their file runs everywhere. Any other failure to listen is a real error and is thrown, so a
// broken check cannot quietly skip the IPv6 tests on a machine that has IPv6.
import net from 'node:net';

const ABSENT = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPROTONOSUPPORT']);

export async function hasIpv6Loopback(): Promise<boolean> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '::1', () => resolve());
    });
  } catch (error) {
    if (ABSENT.has((error as NodeJS.ErrnoException).code ?? '')) return false;
    throw error;
  }
  await new Promise((resolve) => server.close(resolve));
  return true;
}

/** Evaluated once per test file that imports it. */
export const IPV6_LOOPBACK = await hasIpv6Loopback();
