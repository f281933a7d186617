// What the probe is asked to do and with which runner-level settings.
import type { MonitorSpec, Secrets } from '../schema/types.ts';
import type { HostResolver } from './resolve.ts';
import type { TargetGuard } from './target-guard.ts';
import type { ProbeTlsContext } from './tls-context.ts';

/** The part of a monitor that shapes one check. `url`, `headers`, `body` may hold `${NAME}` references. */
export type ProbeSpec = Pick<
  MonitorSpec,
  | 'url'
  | 'method'
  | 'headers'
  | 'body'
  | 'keywords'
  | 'forbidden_keywords'
  | 'assertions'
  | 'timeout'
  | 'follow_redirects'
  | 'tls'
  | 'http'
  | 'ip'
>;

export interface ProbeOptions {
  /** Values for `${NAME}` references; they are filled in before sending and redacted from the result. */
  secrets?: Secrets;
  /** Region name for the User-Agent; default `local`. */
  region?: string;
  /** Vigil version for the User-Agent; default the package version. */
  version?: string;
  /** Reusable TLS contexts (default roots + extra CA); default a shared one without extra CA. */
  tlsContext?: ProbeTlsContext;
  /** Wall clock in ms (startedAt, certificate days left); default Date.now. */
  now?: () => number;
  /** Name resolution; default the system resolver (getaddrinfo, so /etc/hosts applies). */
  resolver?: HostResolver;
  /** Deadline for the TCP connect phase in ms; default 10 s, and at most what is left of `timeout`. */
  connectTimeout?: number;
  /** Decoded body bytes kept for keywords and assertions; default 1 MiB. */
  maxBodyBytes?: number;
  /** Happy Eyeballs delay before trying the next address, ms; default 250 (RFC 8305). */
  happyEyeballsDelay?: number;
  /**
   * Refuses private, loopback, link-local... addresses (VIGIL_BLOCK_PRIVATE_TARGETS), on every
   * hop, after resolution; default none (every address allowed).
   */
  targetGuard?: TargetGuard | null;
}

/** A full ProbeSpec from a URL and a few overrides, with the monitor language's defaults. */
export function probeSpecFor(url: string, overrides: Partial<ProbeSpec> = {}): ProbeSpec {
  return {
    url,
    method: 'GET',
    headers: {},
    body: null,
    keywords: [],
    forbidden_keywords: [],
    assertions: [],
    timeout: 15_000,
    follow_redirects: 5,
    tls: { verify: true, expiry_warning_days: 14 },
    http: { version: 'auto' },
    ip: 'auto',
    ...overrides,
  };
}
