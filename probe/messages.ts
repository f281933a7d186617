// Sentences a person acts on, one per failure. They name the thing (host, address, certificate),
// what went wrong, and where useful what to look at.
import { formatDurationForPeople } from '../common/format.ts';
import type { FailureReason, Phase, TlsInfo } from './types.ts';

const DAY_MS = 86_400_000;

function dateOnly(iso: string): string {
  return iso.slice(0, 10);
}

function dayCount(days: number): string {
  return days === 1 ? '1 day' : `${days} days`;
}

function familyName(family: 0 | 4 | 6): string {
  return family === 6 ? 'IPv6 (AAAA)' : 'IPv4 (A)';
}

export function dnsMessage(
  reason: FailureReason,
  host: string,
  family: 0 | 4 | 6,
  code: string | undefined,
  waitedMs: number,
): string {
  switch (reason) {
    case 'dns_nxdomain':
      return family === 0
        ? `${host} does not resolve (${code ?? 'NXDOMAIN'}): no DNS record exists for that name; check the spelling and the DNS zone`
        : `${host} has no ${familyName(family)} address (${code ?? 'NXDOMAIN'}); the monitor forces ip: ${family}`;
    case 'dns_timeout':
      return `DNS lookup of ${host} got no answer after ${formatDurationForPeople(waitedMs)} (${code ?? 'timeout'}): the resolver or the domain's name servers are not responding`;
    default:
      return `DNS lookup of ${host} failed (${code ?? 'error'}): the name servers answered with an error; check the domain's DNS servers`;
  }
}

export function familyMismatchMessage(host: string, family: 4 | 6): string {
  const other = family === 4 ? 6 : 4;
  return `${host} is an IPv${other} address, but the monitor forces ip: ${family}`;
}

export function connectMessage(
  reason: FailureReason,
  endpoint: string,
  code: string | undefined,
  waitedMs: number,
): string {
  switch (reason) {
    case 'connect_refused':
      return `${endpoint} refused the connection: nothing is listening on that port, or a firewall rejects it`;
    case 'connect_timeout':
      return `could not connect to ${endpoint} within ${formatDurationForPeople(waitedMs)}: the host is down or a firewall drops the packets`;
    case 'network_unreachable':
      return `${endpoint} is unreachable from this runner (${code ?? 'no route'}): no network route to that address`;
    default:
      return `the connection to ${endpoint} was reset (${code ?? 'reset'}) before it was established`;
  }
}

/** A reset or close after the connection was up. */
export function droppedMessage(endpoint: string, phase: Phase, code: string | undefined): string {
  const when = phase === 'transfer' ? 'while sending the response body' : 'before answering';
  return `${endpoint} closed the connection ${when} (${code ?? 'closed'})`;
}

export function tlsVerifyMessage(
  reason: FailureReason,
  host: string,
  tls: TlsInfo,
  code: string,
  nowMs: number,
  extraCaFile: string | null,
): string {
  const certificate = `certificate for ${host}`;
  switch (reason) {
    case 'tls_expired': {
      if (tls.validTo === null) return `${certificate} has expired (${code})`;
      const days = Math.floor((nowMs - Date.parse(tls.validTo)) / DAY_MS);
      const ago = days < 1 ? 'less than a day ago' : `${dayCount(days)} ago`;
      return `${certificate} expired ${ago} (${dateOnly(tls.validTo)}): renew it`;
    }
    case 'tls_not_yet_valid': {
      if (tls.validFrom === null) return `${certificate} is not valid yet (${code})`;
      const days = Math.ceil((Date.parse(tls.validFrom) - nowMs) / DAY_MS);
      return `${certificate} is not valid until ${dateOnly(tls.validFrom)} (in ${dayCount(Math.max(days, 1))}): check its start date, or the clock of the server that made it`;
    }
    case 'tls_self_signed':
      return code === 'SELF_SIGNED_CERT_IN_CHAIN'
        ? `${certificate} chains up to a self-signed root that is not trusted (${tls.issuer ?? 'unknown issuer'}): use a public CA, or give runners that CA as an extra CA file`
        : `${certificate} is self-signed (${tls.subject ?? 'no subject'}), so nothing vouches for it: use a certificate from a public CA, or set tls.verify: false`;
    case 'tls_hostname':
      return `${certificate} is not valid for that name: it covers ${tls.sans.length > 0 ? tls.sans.join(', ') : (tls.subject ?? 'no names')}`;
    default: {
      const trust = extraCaFile === null ? 'the default roots' : `the default roots or ${extraCaFile}`;
      return `${certificate} is not trusted (${code}): its issuer ${tls.issuer ?? '(unknown)'} is not in ${trust}; the server may be missing an intermediate certificate`;
    }
  }
}

export function tlsHandshakeMessage(
  host: string,
  endpoint: string,
  error: Error & { code?: string; reason?: string },
  retried: boolean,
): string {
  const detail = error.reason ?? error.message.split('\n')[0] ?? '';
  const code = error.code ?? 'error';
  const tried = retried ? ', also with TLS 1.0/1.1 allowed' : '';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return `TLS handshake with ${host} (${endpoint}) failed${tried} (${code}): the server reset the connection or does not speak TLS on that port`;
  }
  return `TLS handshake with ${host} (${endpoint}) failed${tried} (${code}${detail === '' ? '' : `: ${detail}`})`;
}

export function timeoutMessage(phase: Phase, timeoutMs: number, host: string, receivedBytes: number): string {
  const within = `within ${formatDurationForPeople(timeoutMs)}`;
  switch (phase) {
    case 'resolve':
      return `DNS lookup of ${host} did not finish ${within}`;
    case 'connect':
      return `could not connect to ${host} ${within}`;
    case 'tls':
      return `TLS handshake with ${host} did not finish ${within}: the server accepted the connection but stalls the handshake`;
    case 'processing':
      return `${host} sent no response ${within}: it accepted the request but has not answered`;
    case 'transfer':
      return `${host} was still sending the response body after ${formatDurationForPeople(timeoutMs)} (${receivedBytes} bytes received)`;
  }
}

export function protocolMessage(endpoint: string, error: Error & { code?: string }): string {
  return `${endpoint} sent a response the probe cannot read (${error.code ?? 'error'}: ${error.message.split('\n')[0]})`;
}
