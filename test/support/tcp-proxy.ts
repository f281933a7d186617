// A TCP proxy on 127.0.0.1 port 0 in front of one upstream, whose path a test can cut and restore:
// a network outage between two real processes. While cut, every open connection is reset and new
// ones are reset as soon as they arrive (the client sees its calls fail, as when a link is down).
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  readonly cut: boolean;
  /** Connections accepted so far (cut ones included). */
  readonly accepted: number;
  /** Resets every open connection and every new one until `restore()`. */
  cutOff(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(upstream: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let cut = false;
  let accepted = 0;
  const server: Server = createServer((client) => {
    accepted += 1;
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    const remote = createConnection(upstream);
    open.add(client);
    open.add(remote);
    const drop = () => {
      open.delete(client);
      open.delete(remote);
      client.destroy();
      remote.destroy();
    };
    client.on('error', drop).on('close', drop);
    remote.on('error', drop).on('close', drop);
    client.pipe(remote);
    remote.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    get cut() {
      return cut;
    },
    get accepted() {
      return accepted;
    },
    cutOff() {
      cut = true;
      for (const socket of [...open]) socket.resetAndDestroy();
      open.clear();
    },
    restore() {
      cut = false;
    },
    close() {
      for (const socket of [...open]) socket.destroy();
      open.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
