// Opening the TCP connection and the TLS session of one hop. The caller (the check run) owns
// timing, deadlines and errors; these only start sockets with the right options.
import type { LookupAddress } from 'node:dns';
import net from 'node:net';
import tls, { type DetailedPeerCertificate, type SecureContext } from 'node:tls';
import type { ResolvedAddress } from './resolve.ts';

function noop(): void {}

/**
 * Starts a TCP connection to one of `addresses`. Several addresses: Node's Happy Eyeballs
 * (RFC 8305: families interleaved, next attempt after `delay` ms), fed our own resolution through
 * `lookup` so nothing is resolved twice. One address: a plain connect.
 */
export function startTcp(
  addresses: ResolvedAddress[],
  hostname: string,
  port: number,
  delay: number,
): net.Socket {
  const first = addresses[0]!;
  const socket =
    addresses.length === 1
      ? net.connect({ host: first.address, port, family: first.family, noDelay: true })
      : net.connect({
          host: hostname,
          port,
          noDelay: true,
          autoSelectFamily: true,
          autoSelectFamilyAttemptTimeout: delay,
          lookup: (_host, _options, callback) =>
            (callback as (error: null, addresses: LookupAddress[]) => void)(null, addresses),
        });
  // Failures are read from the step's own listener; this one keeps a late error from crashing.
  socket.on('error', noop);
  return socket;
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
