// What one check produces. Shared by the probe engine, runners, the verdict, storage and sinks.

export const FAILURE_REASONS = [
  'dns_nxdomain',
  'dns_timeout',
  'dns_error',
  'connect_refused',
  'connect_timeout',
  'connect_reset',
  'network_unreachable',
  'tls_handshake',
  'tls_expired',
  'tls_not_yet_valid',
  'tls_self_signed',
  'tls_untrusted',
  'tls_hostname',
  'too_many_redirects',
  'redirect_invalid',
  'target_blocked',
  'status',
  'keyword_missing',
  'forbidden_keyword',
  'assertion',
  'timeout',
  'body_too_large',
  'protocol_error',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export type Phase = 'resolve' | 'connect' | 'tls' | 'processing' | 'transfer';

/**
 * Milliseconds, fractional. A phase is null when the check never entered it (no TLS for http://,
 * no resolve for an IP literal, nothing after the phase a check failed in); the phases present add
 * up to `total` (within rounding), which always exists.
 */
export interface Timings {
  resolve: number | null;
  connect: number | null;
  tls: number | null;
  processing: number | null;
  transfer: number | null;
  total: number;
}

export interface TlsInfo {
  version: string | null;
  cipher: string | null;
  alpn: string | null;
  subject: string | null;
  issuer: string | null;
  sans: string[];
  validFrom: string | null;
  validTo: string | null;
  daysLeft: number | null;
  selfSigned: boolean;
  /** The handshake only succeeded after retrying with TLS 1.0/1.1 allowed. */
  legacyFallback: boolean;
}

export interface RemoteAddress {
  ip: string;
  family: 4 | 6;
  port: number;
}

export interface RedirectHop {
  url: string;
  method: string;
  status: number | null;
  location: string | null;
  remote: RemoteAddress | null;
  timings: Timings;
}

export interface AssertionOutcome {
  /** Human form, e.g. `json $.status eq "ok"`. */
  description: string;
  pass: boolean;
  expected: unknown;
  actual: unknown;
}

export interface ResponseLog {
  request: { line: string; headers: Record<string, string> };
  response: { status: number; headers: Record<string, string> } | null;
  /** First 64 KiB of the decoded body, as text. */
  body: string | null;
  bodyTruncated: boolean;
  /** Addresses tried, TLS details, redirects: one line each. */
  connection: string[];
}

export interface CheckResult {
  ok: boolean;
  /** null when ok. */
  reason: FailureReason | null;
  /** A sentence a person acts on; for ok results a short summary. */
  message: string;
  /**
   * Phase the check was in when it failed or timed out; null when ok, and null when the failure is
   * a verdict on a response that arrived in full (status, keywords, assertions, redirects).
   */
  phase: Phase | null;
  status: number | null;
  httpVersion: string | null;
  remote: RemoteAddress | null;
  timings: Timings;
  tls: TlsInfo | null;
  redirects: RedirectHop[];
  assertions: AssertionOutcome[];
  /** ISO 8601. */
  startedAt: string;
  /** Present on failure only. */
  log?: ResponseLog;
}
