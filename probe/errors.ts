// The one table from undici / Node / OpenSSL error codes to Vigil's failure reasons, and the
// failure the probe's steps throw. Messages are made in messages.ts, from the reason and context.
import type { BlockedTarget } from './target-guard.ts';
import type { FailureReason, Phase } from './types.ts';

/** A decided failure: the check is down for `reason`, in `phase`, and `message` says why. */
export class ProbeFailure extends Error {
  override name = 'ProbeFailure';
  reason: FailureReason;
  phase: Phase | null;
  constructor(reason: FailureReason, message: string, phase: Phase | null) {
    super(message);
    this.reason = reason;
    this.phase = phase;
  }
}

/**
 * `target_blocked`: the SSRF guard (VIGIL_BLOCK_PRIVATE_TARGETS) refused every address of `host`,
 * so no connection was opened. Phase `connect`: resolution is done, connecting is what is refused.
 */
export function targetBlockedFailure(host: string, port: number, blocked: BlockedTarget[]): ProbeFailure {
  const addresses = blocked.map((entry) => `${entry.address} (${entry.range})`).join(', ');
  const target = blocked.length === 1 && blocked[0]!.address === host ? addresses : `${host}: ${addresses}`;
  return new ProbeFailure(
    'target_blocked',
    `not connecting to ${target}, port ${port}: this runner blocks private, loopback, link-local and ` +
      'other internal addresses (VIGIL_BLOCK_PRIVATE_TARGETS)',
    'connect',
  );
}

/** Thrown into the running step when the check's (or the connect) deadline passes. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
  code = 'VIGIL_DEADLINE';
  /** Which deadline: the whole check's `timeout` or the connect deadline. */
  which: 'check' | 'connect';
  constructor(which: 'check' | 'connect') {
    super(`${which} deadline passed`);
    this.which = which;
  }
}

/**
 * Error code -> reason. Codes come from getaddrinfo/c-ares (resolve), the socket (connect and
 * later), OpenSSL certificate verification (`authorizationError`) and undici.
 */
export const ERROR_REASONS: Readonly<Record<string, FailureReason>> = {
  // DNS
  ENOTFOUND: 'dns_nxdomain',
  ENODATA: 'dns_nxdomain',
  EAI_NONAME: 'dns_nxdomain',
  EAI_NODATA: 'dns_nxdomain',
  EAI_AGAIN: 'dns_timeout',
  ETIMEOUT: 'dns_timeout',
  ESERVFAIL: 'dns_error',
  EREFUSED: 'dns_error',
  EBADRESP: 'dns_error',
  EFORMERR: 'dns_error',
  EBADNAME: 'dns_error',
  EAI_FAIL: 'dns_error',
  // TCP
  ECONNREFUSED: 'connect_refused',
  ETIMEDOUT: 'connect_timeout',
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout',
  ECONNRESET: 'connect_reset',
  ECONNABORTED: 'connect_reset',
  EPIPE: 'connect_reset',
  UND_ERR_SOCKET: 'connect_reset',
  ENETUNREACH: 'network_unreachable',
  EHOSTUNREACH: 'network_unreachable',
  ENETDOWN: 'network_unreachable',
  EHOSTDOWN: 'network_unreachable',
  EADDRNOTAVAIL: 'network_unreachable',
  EAFNOSUPPORT: 'network_unreachable',
  // Certificate verification (OpenSSL verify codes, as Node names them)
  CERT_HAS_EXPIRED: 'tls_expired',
  CERT_NOT_YET_VALID: 'tls_not_yet_valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls_self_signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls_self_signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls_untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'tls_untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls_untrusted',
  CERT_UNTRUSTED: 'tls_untrusted',
  CERT_REJECTED: 'tls_untrusted',
  CERT_REVOKED: 'tls_untrusted',
  CERT_SIGNATURE_FAILURE: 'tls_untrusted',
  CERT_CHAIN_TOO_LONG: 'tls_untrusted',
  INVALID_CA: 'tls_untrusted',
  INVALID_PURPOSE: 'tls_untrusted',
  PATH_LENGTH_EXCEEDED: 'tls_untrusted',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 'tls_untrusted',
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'tls_untrusted',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 'tls_untrusted',
  ERROR_IN_CERT_NOT_AFTER_FIELD: 'tls_untrusted',
  EE_KEY_TOO_SMALL: 'tls_untrusted',
  CA_KEY_TOO_SMALL: 'tls_untrusted',
  CA_MD_TOO_WEAK: 'tls_untrusted',
  HOSTNAME_MISMATCH: 'tls_hostname',
  IP_ADDRESS_MISMATCH: 'tls_hostname',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls_hostname',
  // TLS handshake
  ERR_TLS_HANDSHAKE_TIMEOUT: 'tls_handshake',
  ERR_SSL_WRONG_VERSION_NUMBER: 'tls_handshake',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'tls_handshake',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'tls_handshake',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'tls_handshake',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'tls_handshake',
  ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR: 'tls_handshake',
  ERR_SSL_TLSV1_UNRECOGNIZED_NAME: 'tls_handshake',
  ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL: 'tls_handshake',
  // HTTP (undici, llhttp, HTTP/2)
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_OVERFLOW: 'protocol_error',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'protocol_error',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'protocol_error',
  UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE: 'body_too_large',
  UND_ERR_INVALID_ARG: 'protocol_error',
  UND_ERR_NOT_SUPPORTED: 'protocol_error',
  UND_ERR_INFO: 'protocol_error',
  UND_ERR_CLOSED: 'protocol_error',
  UND_ERR_DESTROYED: 'protocol_error',
  UND_ERR_ABORTED: 'protocol_error',
  ERR_HTTP2_ERROR: 'protocol_error',
  ERR_HTTP2_STREAM_ERROR: 'protocol_error',
  ERR_HTTP2_SESSION_ERROR: 'protocol_error',
  ERR_HTTP2_GOAWAY_SESSION: 'protocol_error',
  ERR_HTTP2_INVALID_SESSION: 'protocol_error',
  ERR_HTTP2_STREAM_CANCEL: 'protocol_error',
  ERR_INVALID_CHAR: 'protocol_error',
  ERR_INVALID_HTTP_TOKEN: 'protocol_error',
  Z_DATA_ERROR: 'protocol_error',
  Z_BUF_ERROR: 'protocol_error',
  ERR__ERROR_FORMAT_PADDING: 'protocol_error',
};

/** The reason when nothing in the table matches: what can fail in that phase. */
const PHASE_FALLBACK: Readonly<Record<Phase, FailureReason>> = {
  resolve: 'dns_error',
  connect: 'connect_reset',
  tls: 'tls_handshake',
  processing: 'protocol_error',
  transfer: 'protocol_error',
};

const DNS_REASONS = new Set<FailureReason>(['dns_nxdomain', 'dns_timeout', 'dns_error']);

/** Reason for an error `code` raised in `phase`. */
export function reasonForCode(code: string | undefined, phase: Phase): FailureReason {
  const mapped = code === undefined ? undefined : ERROR_REASONS[code];
  // Some codes mean different things by phase: ECONNREFUSED from a DNS server is a DNS failure,
  // a reset during the handshake is the server refusing TLS, a timeout after connecting is not
  // a connect timeout.
  if (phase === 'resolve') return mapped !== undefined && DNS_REASONS.has(mapped) ? mapped : 'dns_error';
  if (code?.startsWith('HPE_')) return 'protocol_error';
  if (code?.startsWith('ERR_SSL_') && phase === 'tls') return 'tls_handshake';
  if (phase === 'tls' && (mapped === 'connect_reset' || mapped === undefined)) return 'tls_handshake';
  if (mapped === 'connect_timeout' && phase !== 'connect') return 'timeout';
  return mapped ?? PHASE_FALLBACK[phase];
}

/** Error code of anything thrown, if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

/** Codes that say an address could not be tried from here at all (no route, family turned off). */
const UNREACHABLE_CODES = new Set(
  Object.entries(ERROR_REASONS)
    .filter(([, reason]) => reason === 'network_unreachable')
    .map(([code]) => code),
);

/**
 * The error that decides a failed connect. Happy Eyeballs (several addresses) fails with an
 * AggregateError whose `code` is the first attempt's. On a runner without IPv6 that is the IPv6
 * address's "no route", even when the IPv4 address reached the host and was refused: the host's
 * own answer is what the check is about, so the first attempt that got an answer from the
 * network (refused, reset, timed out) wins. When no attempt got that far the error is unchanged.
 */
export function decisiveConnectError(error: unknown): unknown {
  if (!(error instanceof AggregateError)) return error;
  const attempts: unknown[] = error.errors;
  return attempts.find((attempt) => !UNREACHABLE_CODES.has(errorCode(attempt) ?? '')) ?? error;
}
