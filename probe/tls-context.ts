// TLS contexts built once per runner and reused by every check. Building a context parses the
// whole root store; doing that per connection (passing `ca` to tls.connect) measured ~30% slower.
// A shared context does not resume sessions: Node's client contexts keep no internal session
// cache, and the probe never hands a saved session to tls.connect.
import { readFileSync } from 'node:fs';
import tls, { type SecureContext } from 'node:tls';

export interface ProbeTlsContext {
  /** TLS 1.2+ with OpenSSL's default security level. */
  modern: SecureContext;
  /** The one retry after a failed handshake: TLS 1.0/1.1 allowed, security level 0. */
  legacy: SecureContext;
  /** Extra CA file in use, for messages. */
  extraCaFile: string | null;
}

export interface ProbeTlsContextOptions {
  /** PEM bundle added to the default roots, as NODE_EXTRA_CA_CERTS does. */
  extraCaFile?: string;
}

/** Bad runner TLS configuration (unreadable or empty CA file). Stable `code`. */
export class ProbeTlsConfigError extends Error {
  override name = 'ProbeTlsConfigError';
  code: 'ca_file_unreadable' | 'ca_file_empty';
  constructor(code: ProbeTlsConfigError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

const LEGACY = { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

/** Builds the contexts; throws ProbeTlsConfigError when the extra CA file is unusable. */
export function createProbeTlsContext(options: ProbeTlsContextOptions = {}): ProbeTlsContext {
  if (options.extraCaFile === undefined) {
    // No `ca`: OpenSSL uses Node's default root store (plus NODE_EXTRA_CA_CERTS) as is.
    return {
      modern: tls.createSecureContext({}),
      legacy: tls.createSecureContext(LEGACY),
      extraCaFile: null,
    };
  }
  let pem: string;
  try {
    pem = readFileSync(options.extraCaFile, 'utf8');
  } catch (error) {
    throw new ProbeTlsConfigError(
      'ca_file_unreadable',
      `cannot read CA file ${options.extraCaFile}: ${(error as Error).message}`,
    );
  }
  const extra = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (extra.length === 0) {
    throw new ProbeTlsConfigError('ca_file_empty', `CA file ${options.extraCaFile} holds no PEM certificate`);
  }
  const ca = [...tls.getCACertificates('default'), ...extra];
  return {
    modern: tls.createSecureContext({ ca }),
    legacy: tls.createSecureContext({ ...LEGACY, ca }),
    extraCaFile: options.extraCaFile,
  };
}

let shared: ProbeTlsContext | null = null;

/** The process-wide default contexts (no extra CA), built on first use. */
export function defaultProbeTlsContext(): ProbeTlsContext {
  shared ??= createProbeTlsContext();
  return shared;
}
