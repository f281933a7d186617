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

/** True when `header` is `Bearer <token>` for the token whose hash is `expected`. */
export function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  // Hash even when absent, so a missing header costs the same as a wrong one.
  const given = hashToken(match?.[1] ?? '');
  return timingSafeEqual(given, expected) && match !== null;
}

/** onRequest hook for routes that change state: runs before the body is read. */
export function requireAdmin(expected: Buffer): onRequestHookHandler {
  return async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, expected)) {
      reply.header('www-authenticate', 'Bearer realm="vigil"');
      throw new VigilError(
        'VIGIL_ERR_UNAUTHORIZED',
        'a valid admin token is required (Authorization: Bearer <token>)',
      );
    }
  };
}
