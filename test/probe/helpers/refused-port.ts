// A loopback port that refuses connections for as long as the test holds it. A port that was
// bound and then released can be taken by any other process before the test connects to it
// (the other test worker starts servers on port 0 all the time); this one stays reserved: it is
// the local port of an open client connection, which no one can bind or listen on while that
// connection lives, and on which nothing listens, so a connect to it is refused.
import net, { type AddressInfo } from 'node:net';

export interface RefusedPort {
  port: number;
  release(): Promise<void>;
}

export async function holdRefusedPort(host = '127.0.0.1'): Promise<RefusedPort> {
  const server = net.createServer();
  const accepted: net.Socket[] = [];
  server.on('connection', (socket) => accepted.push(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const client = net.connect((server.address() as AddressInfo).port, host);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const port = client.localPort;
  if (port === undefined) throw new Error('holdRefusedPort: the client connection has no local port');
  return {
    port,
    release: async () => {
      client.destroy();
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
