// How numbers and times read on the page and badges: UTC times, response times (in the one style
// for durations, common/format.ts), uptime percentages that do not round 99.996 up to a
// misleading 100.00.
import { formatDurationForPeople } from '../../common/format.ts';

/** An uptime figure; `—` for a window with no counted time (the page says "No data yet" instead of a monitor's main figure). */
export function formatUptime(pct: number | null): string {
  if (pct === null) return '—';
  if (pct >= 100) return '100%';
  // Floor, not round: 99.996% must not read as 100.00%.
  return `${(Math.floor(pct * 100) / 100).toFixed(2)}%`;
}

/** A response time: `—` when there is none. */
export function formatMs(ms: number | null): string {
  return ms === null ? '—' : formatDurationForPeople(ms);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Mar 10" (UTC). */
export function formatDay(at: number): string {
  const d = new Date(at);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
}

/** "Mar 10, 11:30 UTC". */
export function formatTime(at: number): string {
  const d = new Date(at);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${formatDay(at)}, ${hh}:${mm} UTC`;
}

/** "Jan 5, 2026, 12:03:10 UTC": an instant to the second, for a title that gives the exact time. */
export function formatInstant(at: number): string {
  const d = new Date(at);
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  return `${formatDay(at)}, ${d.getUTCFullYear()}, ${formatTime(at).slice(-9, -4)}:${ss} UTC`;
}

/** How long ago, in whole seconds or more ("12s ago", "3m 20s ago"); under a second "just now". */
export function formatAgo(ms: number): string {
  if (!(ms >= 1000)) return 'just now';
  return `${formatDurationForPeople(Math.floor(ms / 1000) * 1000)} ago`;
}

/** Reasons as people read them (`connect_refused` -> "connection refused"). */
export function formatReason(reason: string | null): string {
  if (reason === null) return 'failing';
  const words: Record<string, string> = {
    dns_nxdomain: 'name does not resolve',
    dns_timeout: 'DNS timeout',
    dns_error: 'DNS error',
    connect_refused: 'connection refused',
    connect_timeout: 'connect timeout',
    connect_reset: 'connection reset',
    network_unreachable: 'network unreachable',
    tls_handshake: 'TLS handshake failed',
    tls_expired: 'certificate expired',
    tls_not_yet_valid: 'certificate not yet valid',
    tls_self_signed: 'self-signed certificate',
    tls_untrusted: 'untrusted certificate',
    tls_hostname: 'certificate name mismatch',
    too_many_redirects: 'too many redirects',
    redirect_invalid: 'invalid redirect',
    target_blocked: 'target blocked',
    status: 'bad status',
    keyword_missing: 'keyword missing',
    forbidden_keyword: 'forbidden keyword present',
    assertion: 'assertion failed',
    timeout: 'timeout',
    body_too_large: 'body too large',
    protocol_error: 'protocol error',
  };
  return words[reason] ?? reason.replaceAll('_', ' ');
}

/** The URL as it may be shown: hidden (null) when it carries a secret reference or credentials. */
export function displayUrl(url: string): string | null {
  if (url.includes('${')) return null;
  try {
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.password !== '') return null;
    // Query strings often carry keys even without a secret reference: show origin and path only.
    return `${parsed.origin}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return null;
  }
}
