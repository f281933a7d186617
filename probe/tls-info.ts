// The TLS facts of a connection: what the result shows and what `tls_days_left` asserts on.
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';
import type { TlsInfo } from './types.ts';

const DAY_MS = 86_400_000;

/** `CN=example.com, O=Example` from Node's parsed subject/issuer object. */
export function formatName(name: PeerCertificate['subject'] | undefined): string | null {
  if (name === undefined || name === null) return null;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(name)) {
    for (const item of Array.isArray(value) ? value : [value]) parts.push(`${key}=${item}`);
  }
  return parts.length === 0 ? null : parts.join(', ');
}

/** `DNS:a, IP Address:1.2.3.4` -> `['a', '1.2.3.4']`. */
export function parseSans(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined || subjectAltName === '') return [];
  return subjectAltName.split(', ').map((entry) => {
    const colon = entry.indexOf(':');
    const value = colon === -1 ? entry : entry.slice(colon + 1);
    // OpenSSL spells IPv6 SANs in full (0:0:0:0:0:0:0:1); the URL parser gives the short form.
    return entry.startsWith('IP Address:') && value.includes(':')
      ? new URL(`http://[${value}]`).hostname.slice(1, -1)
      : value;
  });
}

function isoDate(text: string | undefined): string | null {
  if (text === undefined) return null;
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/**
 * Self-signed: the leaf is its own issuer. Node's detailed certificate links the chain (the
 * server's, completed from the trust store); a self-issued certificate links to itself.
 */
export function isSelfSigned(cert: DetailedPeerCertificate): boolean {
  const issuer = cert.issuerCertificate;
  if (issuer === undefined || issuer === null) return false;
  return issuer === cert || issuer.fingerprint256 === cert.fingerprint256;
}

export function tlsInfoOf(
  socket: TLSSocket,
  cert: DetailedPeerCertificate | null,
  nowMs: number,
  legacyFallback: boolean,
): TlsInfo {
  const validTo = isoDate(cert?.valid_to);
  const hasCert = cert !== null && cert.fingerprint256 !== undefined;
  return {
    version: socket.getProtocol() ?? null,
    cipher: socket.getCipher()?.standardName ?? null,
    alpn: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : null,
    subject: hasCert ? formatName(cert.subject) : null,
    issuer: hasCert ? formatName(cert.issuer) : null,
    sans: hasCert ? parseSans(cert.subjectaltname) : [],
    validFrom: hasCert ? isoDate(cert.valid_from) : null,
    validTo,
    daysLeft: validTo === null ? null : Math.trunc((Date.parse(validTo) - nowMs) / DAY_MS),
    selfSigned: hasCert ? isSelfSigned(cert) : false,
    legacyFallback,
  };
}
