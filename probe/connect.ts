// Opening the TCP connection and the TLS session of one hop. The caller (the check run) owns
// timing, deadlines and the meaning of errors; these start sockets with the right options and
// race the TCP attempts when a host has several addresses.
import net from 'node:net';
import tls, { type DetailedPeerCertificate, type SecureContext } from 'node:tls';
import type { ResolvedAddress } from './resolve.ts';

function noop(): void {}

/** TCP attempts of one connect, from start until one connects or all have failed. */
export interface TcpConnecting {
  /** The winning socket; rejects with the failure (an AggregateError for several addresses). */
  readonly connected: Promise<net.Socket>;
  /** `ip:port` of every attempt started so far, in order (IPv6 not bracketed, as Node writes it). */
  readonly attempted: string[];
  /** Destroys every attempt still pending and starts no more; `connected` then never settles. */
  destroy(): void;
}

/**
 * Starts connecting to `addresses` (our own resolution, so nothing is resolved twice). One
 * address: a plain connect, failing with its own error. Several: Happy Eyeballs (RFC 8305),
 * families interleaved, see `TcpRace`.
 */
export function startTcp(addresses: ResolvedAddress[], port: number, delay: number): TcpConnecting {
  const race = new TcpRace(interleaveFamilies(addresses), port, delay);
  // The caller may stop waiting (deadline) before a late failure; that is not an unhandled one.
  race.connected.catch(noop);
  return race;
}

/**
 * RFC 8305 section 4: alternate the families, starting with the first address's, each address
 * once (as Node's autoSelectFamily orders them), so one family's outage costs one delay, not many.
 */
export function interleaveFamilies(addresses: ResolvedAddress[]): ResolvedAddress[] {
  const unique = addresses.filter(
    (entry, index) => addresses.findIndex((other) => other.address === entry.address) === index,
  );
  const first = unique.filter((entry) => entry.family === unique[0]?.family);
  const other = unique.filter((entry) => entry.family !== unique[0]?.family);
  const order: ResolvedAddress[] = [];
  for (let i = 0; i < Math.max(first.length, other.length); i++) {
    if (i < first.length) order.push(first[i]!);
    if (i < other.length) order.push(other[i]!);
  }
  return order;
}

/**
 * Happy Eyeballs without giving up on slow attempts: attempt i starts when attempt i-1 has
 * failed or `delay` ms after it started, whichever comes first, and every started attempt keeps
 * running. The first to connect wins and the others are destroyed; the connect fails only when
 * every attempt has failed. (Node's own autoSelectFamily aborts each attempt after the delay, so a
 * host farther away than the delay is unreachable whenever a later address fails fast.)
 */
class TcpRace implements TcpConnecting {
  readonly connected: Promise<net.Socket>;
  readonly attempted: string[] = [];
  private readonly addresses: ResolvedAddress[];
  private readonly port: number;
  private readonly delay: number;
  private readonly sockets: net.Socket[] = [];
  /** Per attempt, in start order, so the first attempt's error stays first. */
  private readonly errors: Error[] = [];
  private failures = 0;
  private nextTimer: NodeJS.Timeout | null = null;
  private over = false;
  private win!: (socket: net.Socket) => void;
  private lose!: (error: Error) => void;

  constructor(addresses: ResolvedAddress[], port: number, delay: number) {
    this.addresses = addresses;
    this.port = port;
    this.delay = delay;
    this.connected = new Promise<net.Socket>((resolve, reject) => {
      this.win = resolve;
      this.lose = reject;
    });
    this.startNext();
  }

  destroy(): void {
    this.end(null);
  }

  /** Starts the next address, and the timer that starts the one after it. */
  private startNext(): void {
    this.clearTimer();
    const index = this.sockets.length;
    const { address, family } = this.addresses[index]!;
    const socket = net.connect({ host: address, port: this.port, family, noDelay: true });
    // Failures are read by the listener below; this one keeps a late error from crashing.
    socket.on('error', noop);
    socket.once('connect', () => this.onConnect(socket));
    socket.once('error', (error) => this.onError(index, error));
    this.sockets.push(socket);
    this.attempted.push(`${address}:${this.port}`);
    if (this.sockets.length < this.addresses.length) {
      this.nextTimer = setTimeout(() => this.startNext(), this.delay);
    }
  }

  private onConnect(socket: net.Socket): void {
    if (this.over) return;
    this.end(socket);
    this.win(socket);
  }

  private onError(index: number, error: Error): void {
    if (this.over) return;
    this.errors[index] = error;
    this.failures++;
    if (this.failures === this.addresses.length) {
      this.end(null);
      this.lose(this.addresses.length === 1 ? error : attemptsFailed(this.errors));
    } else if (index === this.sockets.length - 1 && this.sockets.length < this.addresses.length) {
      // The newest attempt failed: no reason to wait out the delay.
      this.startNext();
    }
  }

  /** Stops the race: destroys every socket but the winner's and the pending timer. */
  private end(winner: net.Socket | null): void {
    this.over = true;
    this.clearTimer();
    for (const socket of this.sockets) if (socket !== winner) socket.destroy();
  }

  private clearTimer(): void {
    if (this.nextTimer !== null) clearTimeout(this.nextTimer);
    this.nextTimer = null;
  }
}

/**
 * All attempts failed: one error per attempt in start order (each with its `address`, `port` and
 * `code`), and the first attempt's `code` on the whole, as Node's autoSelectFamily reports it.
 */
function attemptsFailed(errors: Error[]): AggregateError {
  const failure = new AggregateError(errors, `all ${errors.length} connection attempts failed`);
  const first = errors[0] as Error & { code?: string };
  return Object.assign(failure, { code: first.code });
}

export interface TlsStart {
  /** Host name for SNI and the certificate check; null for IP literals (checked against IP SANs). */
  servername: string | null;
  /** The address, for the certificate check of IP literals. */
  host: string;
  context: SecureContext;
  alpn: string[];
  /** Receives the verified leaf (Node hands it to checkServerIdentity), saving a second parse. */
  onCertificate(cert: DetailedPeerCertificate): void;
}

/**
 * Starts the TLS handshake on a connected socket. Verification never aborts the handshake
 * (`rejectUnauthorized: false`): the probe reads `authorized`/`authorizationError` afterwards, so
 * it still has the certificate to say what is wrong with it. No `session` is passed: every check
 * does a full handshake.
 */
export function startTls(socket: net.Socket, options: TlsStart): tls.TLSSocket {
  const secure = tls.connect({
    socket,
    host: options.host,
    ...(options.servername === null ? {} : { servername: options.servername }),
    secureContext: options.context,
    ALPNProtocols: options.alpn,
    rejectUnauthorized: false,
    checkServerIdentity: (hostname, cert) => {
      options.onCertificate(cert as DetailedPeerCertificate);
      return tls.checkServerIdentity(hostname, cert);
    },
  });
  secure.on('error', noop);
  return secure;
}

/** `ip:port`, IPv6 bracketed. */
export function endpoint(address: string, port: number): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]:${port}` : `${address}:${port}`;
}
