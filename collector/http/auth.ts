// The admin token: configured, or generated at first start and kept only as a hash. Requests are
// checked by comparing hashes in constant time, so neither the token's length nor a matching
// prefix shows in the answer time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { onRequestHookHandler } from 'fastify';
import type { SettingsStore } from '../store/types.ts';
import { VigilError } from './errors.ts';

export const TOKEN_HASH_KEY = 'admin_token_sha256';

export interface AdminToken {
  /** sha256 of the token. */
  hash: Buffer;
  /** Set only on the start that generated it: to be shown once, then forgotten. */
  generated: string | null;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function generateToken(): string {
  return `vigil_${randomBytes(32).toString('base64url')}`;
}

/** The configured token, else the stored hash, else a new token stored now (printed once). */
export async function resolveAdminToken(
  configured: string | null,
  settings: SettingsStore,
): Promise<AdminToken> {
  if (configured !== null) return { hash: hashToken(configured), generated: null };
  const stored = await settings.get(TOKEN_HASH_KEY);
  if (stored !== undefined) return { hash: Buffer.from(stored, 'hex'), generated: null };
  const token = generateToken();
  const mine = hashToken(token).toString('hex');
  const kept = await settings.setIfAbsent(TOKEN_HASH_KEY, mine);
  // Another process on the same file may have stored its token first: that one wins.
  return { hash: Buffer.from(kept, 'hex'), generated: kept === mine ? token : null };
}

/**
 * True when `given` is one of the tokens whose sha256 digests are `hashes`. Every comparison is
 * of two 32-byte digests (so any length of token can be compared, and the time says nothing of
 * its length or of a matching prefix) and all of them are made (nothing of which one matched).
 * A missing token is hashed too, so it costs what a wrong one costs, and never matches.
 */
export function tokenMatches(given: string | null, hashes: readonly Buffer[]): boolean {
  const digest = hashToken(given ?? '');
  let ok = false;
  for (const hash of hashes) ok = (hash.length === digest.length && timingSafeEqual(digest, hash)) || ok;
  return ok && given !== null;
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it is. */
export function bearerToken(header: string | undefined): string | null {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** True when `header` is `Bearer <token>` for the token whose hash is `expected`. */
export function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  return tokenMatches(bearerToken(header), [expected]);
}

/**
 * Who may call a route, as its auth hook declares it: the admin token; the read (status) token
 * or the admin token when the status is private; a runner session; a region key. Routes with
 * none of these are the always-public ones (/healthz, /readyz); test/api/route-access.test.ts
 * holds the table. `internal`: another collector of the cluster (VIGIL_CLUSTER_SECRET), on the
 * /internal/v1/ routes, which the OpenAPI document does not list.
 */
export type Access = 'admin' | 'read' | 'runner' | 'region' | 'internal';
const ACCESS = Symbol.for('vigil.access');

/** Marks `hook` as the check of `access`, so the route table says who may call each route. */
export function withAccess<T extends object>(access: Access, hook: T): T {
  (hook as Record<symbol, Access>)[ACCESS] = access;
  return hook;
}

/** The access a hook checks, when it is an auth hook. */
export function accessOf(hook: unknown): Access | undefined {
  return typeof hook === 'function' ? (hook as unknown as Record<symbol, Access>)[ACCESS] : undefined;
}

/** onRequest hook for routes that change state: runs before the body is read. */
export function requireAdmin(expected: Buffer): onRequestHookHandler {
  return withAccess('admin', (async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, expected)) {
      reply.header('www-authenticate', 'Bearer realm="vigil"');
      throw new VigilError(
        'VIGIL_ERR_UNAUTHORIZED',
        'a valid admin token is required (Authorization: Bearer <token>)',
      );
    }
  }) satisfies onRequestHookHandler);
}
