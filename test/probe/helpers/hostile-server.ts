// A hostile HTTP target on loopback, written on raw TCP so it can break the protocol: endless
// headers, an endless body, decompression bombs, broken chunked encoding, redirects to other
// schemes, a one-byte-per-second drip, a body made to make a backtracking regex hang. Each case is
// a path; `/redirect?to=<url>` answers 302 to any Location.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import zlib from 'node:zlib';

export interface HostileServer {
  url(path: string): string;
  close(): Promise<void>;
}

/** What a decompression bomb expands to: far beyond the probe's memory budget (150 MB). */
export const BOMB_EXPANDED_BYTES = 1 << 30;

/** `length` zero bytes through `compressor`, without holding them in memory. */
async function compressZeros(compressor: zlib.Gzip | zlib.BrotliCompress, length: number): Promise<Buffer> {
  const out: Buffer[] = [];
  compressor.on('data', (chunk: Buffer) => out.push(chunk));
  const chunk = Buffer.alloc(1 << 20);
  for (let written = 0; written < length; written += chunk.length) {
    if (!compressor.write(chunk)) await once(compressor, 'drain');
  }
  compressor.end();
  await once(compressor, 'end');
  return Buffer.concat(out);
}

type Responder = (socket: net.Socket, query: URLSearchParams) => void;

function head(status: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status}\r\n${lines.join('')}\r\n`;
}

/** Writes `next()` whenever the socket can take more, until it closes. */
function pump(socket: net.Socket, next: () => string | Buffer): void {
  const write = () => {
    while (!socket.destroyed && socket.write(next())) {}
  };
  socket.on('drain', write);
  write();
}

/** One byte every `everyMs`, forever (until the socket closes). */
function drip(socket: net.Socket, text: string, everyMs: number): void {
  let at = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return;
    socket.write(text[at % text.length]!);
    at++;
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

export async function startHostileServer(): Promise<HostileServer> {
  const gzipBomb = await compressZeros(zlib.createGzip({ level: 9 }), BOMB_EXPANDED_BYTES);
  const brotliBomb = await compressZeros(
    zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }),
    BOMB_EXPANDED_BYTES,
  );
  const filler = Buffer.alloc(64 * 1024, 'x');

  const routes: Record<string, Responder> = {
    '/endless-headers': (socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      let n = 0;
      pump(socket, () => `X-Filler-${n++}: ${'y'.repeat(1000)}\r\n`);
    },
    '/endless-body': (socket) => {
      socket.write(head('200 OK', { 'content-type': 'text/plain', connection: 'close' }));
      pump(socket, () => filler);
    },
    '/endless-chunks': (socket) => {
      socket.write(head('200 OK', { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }));
      pump(socket, () => `${filler.length.toString(16)}\r\n${filler}\r\n`);
    },
    '/gzip-bomb': (socket) => {
      socket.end(
        Buffer.concat([
          Buffer.from(head('200 OK', { 'content-encoding': 'gzip', 'content-length': gzipBomb.length })),
          gzipBomb,
        ]),
      );
    },
    '/brotli-bomb': (socket) => {
      socket.end(
        Buffer.concat([
          Buffer.from(head('200 OK', { 'content-encoding': 'br', 'content-length': brotliBomb.length })),
          brotliBomb,
        ]),
      );
    },
    '/bad-chunked': (socket) => {
      socket.end(`${head('200 OK', { 'transfer-encoding': 'chunked' })}zz\r\nnot a chunk size\r\n0\r\n\r\n`);
    },
    '/redirect': (socket, query) => {
      socket.end(head('302 Found', { location: query.get('to') ?? '/', 'content-length': 0 }));
    },
    '/drip-headers': (socket) => drip(socket, 'HTTP/1.1 200 OK\r\nX-Slow: 1\r\n', 1000),
    '/drip-body': (socket) => {
      socket.write(head('200 OK', { 'content-type': 'text/plain', 'content-length': 1_000_000 }));
      drip(socket, 'slow ', 1000);
    },
    '/redos': (socket) => {
      const body = `${'a'.repeat(28)}!`;
      socket.end(`${head('200 OK', { 'content-type': 'text/plain', 'content-length': body.length })}${body}`);
    },
  };

  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let request = '';
    const onData = (chunk: Buffer) => {
      request += chunk.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const target = new URL(request.split(' ')[1] ?? '/', 'http://hostile');
      const route = routes[target.pathname];
      if (route === undefined) socket.end(head('404 Not Found', { 'content-length': 0 }));
      else route(socket, target.searchParams);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
