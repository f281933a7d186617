// A plain HTTP server on a loopback address that counts the TCP connections it accepts, so a
// test can tell that the probe refused a target without a single packet reaching it.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface CountingServer {
  host: string;
  port: number;
  /** `http://host:port` + path, or with another host name for the same port. */
  url(path?: string, host?: string): string;
  /** TCP connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startCountingServer(
  host: string,
  handler: http.RequestListener = (_req, res) => res.end('ok'),
): Promise<CountingServer> {
  const server = http.createServer(handler);
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const bracket = (name: string) => (name.includes(':') ? `[${name}]` : name);
  return {
    host,
    port,
    url: (path = '/', name = host) => `http://${bracket(name)}:${port}${path}`,
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
