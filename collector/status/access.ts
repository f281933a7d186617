// Who may read the status (GET /v1/status, the page, badges, /metrics). Public by default; with
// `statusPublic: false` a request needs the read token (VIGIL_STATUS_TOKEN) or the admin token,
// as `Authorization: Bearer <token>` (scripts, Prometheus) or Basic with the token as password
// (a browser asks for it). Tokens are compared as sha256 digests in constant time (tokenMatches).
// The JSON read routes (monitors, checks, incidents, runners) take the same hook (AppContext).
import type { onRequestHookHandler } from 'fastify';
import { tokenMatches, withAccess } from '../http/auth.ts';
import { VigilError } from '../http/errors.ts';

/** The token given in an Authorization header (Bearer, or Basic's password), if any. */
export function presentedToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer !== null) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic !== null) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? decoded : decoded.slice(colon + 1);
  }
  return null;
}

export interface ReadAccessOptions {
  public: boolean;
  /** sha256 digests of the tokens that may read (read token, admin token). */
  hashes: readonly Buffer[];
}

/** onRequest hook: nothing when public; else 401 unless a read or admin token is presented. */
export function requireRead(options: ReadAccessOptions): onRequestHookHandler {
  return withAccess('read', (async (request, reply) => {
    if (options.public) return;
    if (tokenMatches(presentedToken(request.headers.authorization), options.hashes)) return;
    reply.header('www-authenticate', 'Basic realm="vigil status", charset="UTF-8"');
    throw new VigilError('VIGIL_ERR_UNAUTHORIZED', 'this status is private: a read token is required');
  }) satisfies onRequestHookHandler);
}
