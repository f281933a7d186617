// Webhook signatures: HMAC-SHA256 over `<timestamp>.<raw body>` with the shared secret, sent as
// `X-Vigil-Signature: sha256=<hex>` next to `X-Vigil-Timestamp: <unix seconds>`. Signing the
// timestamp with the body lets a receiver refuse replays of an old message.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-vigil-signature';
export const TIMESTAMP_HEADER = 'x-vigil-timestamp';

export function signWebhook(secret: string, timestamp: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

export type SignatureCheck = 'valid' | 'missing' | 'malformed' | 'mismatch' | 'expired';

/**
 * What a receiver does: recompute and compare in constant time; refuse timestamps more than
 * `toleranceSeconds` away from `now` (ms).
 */
export function verifyWebhook(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  rawBody: string,
  now: number,
  toleranceSeconds = 300,
): SignatureCheck {
  if (headers.signature === undefined || headers.timestamp === undefined) return 'missing';
  if (!/^\d+$/.test(headers.timestamp) || !/^sha256=[0-9a-f]{64}$/.test(headers.signature))
    return 'malformed';
  const timestamp = Number(headers.timestamp);
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return 'expired';
  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? 'valid' : 'mismatch';
}
