// A configurable probe target on loopback: HTTP/1.1, HTTPS or HTTP/2 (TLS, with HTTP/1.1 fallback),
// on port 0, recording every request it gets. Other test areas reuse it: keep the exports stable.

import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { SecureVersion } from 'node:tls';

export type TargetRequest = IncomingMessage | Http2ServerRequest;
export type TargetResponse = ServerResponse | Http2ServerResponse;

/** Called once the request body has been read in full. Leave `res` alone to never answer. */
export type TargetHandler = (req: TargetRequest, res: TargetResponse, body: Buffer) => void;

export interface TargetTls {
  cert: string;
  key: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  ciphers?: string;
}

export interface TargetOptions {
  /** Default `http`. `h2` = HTTP/2 over TLS with HTTP/1.1 allowed for clients that do not offer h2. */
  protocol?: 'http' | 'https' | 'h2';
  /** Listen address, default 127.0.0.1. */
  host?: string;
  tls?: TargetTls;
  handler: TargetHandler;
}

export interface RecordedRequest {
  method: string;
  path: string;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** TLS session resumed on this connection (HTTPS only). */
  sessionReused: boolean | null;
  /** Client port of the connection: a new port means a new connection. */
  remotePort: number | undefined;
}

export interface TargetServer {
  host: string;
  port: number;
  /** `scheme://host:port` with the listen host (IPv6 bracketed). */
  origin: string;
  /** `origin + path`, or with another host name for the same port (e.g. `localhost`). */
  url(path?: string, host?: string): string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts a target; `await target.close()` in afterAll/afterEach. */
export async function startTarget(options: TargetOptions): Promise<TargetServer> {
  const protocol = options.protocol ?? 'http';
  const host = options.host ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];
  const listener = (req: TargetRequest, res: TargetResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const socket = req.socket as { isSessionReused?: () => boolean };
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        httpVersion: req.httpVersion,
        headers: { ...req.headers },
        body: body.toString('utf8'),
        sessionReused: typeof socket.isSessionReused === 'function' ? socket.isSessionReused() : null,
        remotePort: req.socket.remotePort,
      });
      options.handler(req, res, body);
    });
  };
  let server: net.Server;
  if (protocol === 'http') {
    server = http.createServer(listener as (req: IncomingMessage, res: ServerResponse) => void);
  } else {
    if (options.tls === undefined) throw new Error(`startTarget: protocol ${protocol} needs tls`);
    const tlsOptions = { ...options.tls };
    server =
      protocol === 'https'
        ? https.createServer(tlsOptions, listener as (req: IncomingMessage, res: ServerResponse) => void)
        : http2.createSecureServer({ ...tlsOptions, allowHTTP1: true }, listener);
  }
  // Handshake failures are what some tests are about; they must not crash the test process.
  server.on('tlsClientError', () => {});
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  const port = await listen(server, host);
  const scheme = protocol === 'http' ? 'http' : 'https';
  const origin = `${scheme}://${hostForUrl(host)}:${port}`;
  return {
    host,
    port,
    origin,
    url: (path = '/', otherHost?: string) =>
      otherHost === undefined ? origin + path : `${scheme}://${hostForUrl(otherHost)}:${port}${path}`,
    requests,
    close: () => closeServer(server, sockets),
  };
}

/**
 * A raw TCP server: `onSocket` gets each accepted connection (say nothing to stall a TLS
 * handshake or a request; write bytes by hand for malformed responses).
 */
export async function startRawServer(
  onSocket: (socket: net.Socket) => void,
  host = '127.0.0.1',
): Promise<{ port: number; host: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  const port = await listen(server, host);
  return { port, host, close: () => closeServer(server, sockets) };
}

/**
 * A loopback port that nothing listens on, and that stays free: it lies below the kernel's
 * ephemeral range, so no port-0 bind of a parallel test and no outgoing connection (whose own
 * port could equal it) can take it. A port-0 port that was bound and released can be handed out
 * again at any moment. Each vitest worker draws from its own slice of that range, so workers
 * never pick the same one; a test may also listen on it itself (e.g. to restart a collector on
 * the same address). Falls back to bind-and-release where the range is unknown.
 */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const low = await ephemeralLow();
  const SLICE = 2048;
  const SLICES = 8;
  if (low !== null && low - SLICE * SLICES >= 1024) {
    const worker = Number(process.env.VITEST_POOL_ID ?? process.pid) % SLICES;
    const base = low - SLICE * SLICES + worker * SLICE;
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = base + Math.floor(Math.random() * SLICE);
      // Something of the machine's own may listen there: then take another.
      if (await canListen(port, host)) return port;
    }
  }
  const server = net.createServer();
  const port = await listen(server, host);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Lowest port of the ephemeral range (Linux), or null when unknown. */
async function ephemeralLow(): Promise<number | null> {
  try {
    const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    const low = Number(text.trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : null;
  } catch {
    return null;
  }
}

async function canListen(port: number, host: string): Promise<boolean> {
  const server = net.createServer();
  try {
    await listen(server, host, port);
  } catch {
    return false;
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return true;
}

function listen(server: net.Server, host: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}
