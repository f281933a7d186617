// The response log keeps the first 64 KiB of a failing check's body: bytes of UTF-8, not
// characters, and never half a character.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_BODY_BYTES, probe, probeSpecFor } from '../../probe/index.ts';
import { startTarget, type TargetServer } from '../support/target-server.ts';
import { expectDown } from './helpers/expect.ts';

let target: TargetServer;
// 'é' is 2 bytes and '😀' 4 in UTF-8: 100,000 characters of them are far over 64 KiB, though
// a cut by characters would keep 65,536 of them (128 KiB and 256 KiB).
const BODIES: Record<string, string> = {
  '/accents': 'é'.repeat(100_000),
  '/emoji': `x${'😀'.repeat(100_000)}`,
  '/short': 'é'.repeat(1000),
};

beforeAll(async () => {
  target = await startTarget({
    handler: (req, res) => {
      res.statusCode = 503;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(BODIES[req.url ?? ''] ?? 'unknown');
    },
  });
});
afterAll(() => target.close());

describe('response log body', () => {
  for (const path of ['/accents', '/emoji']) {
    it(`keeps at most 64 KiB of UTF-8 of ${path}, whole characters only, marked truncated`, async () => {
      const result = await probe(probeSpecFor(target.url(path)));
      expectDown(result, 'status', null);
      const body = result.log?.body ?? '';
      expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(LOG_BODY_BYTES);
      expect(Buffer.byteLength(body, 'utf8')).toBeGreaterThan(LOG_BODY_BYTES - 4);
      expect(BODIES[path]!.startsWith(body)).toBe(true);
      expect(body).not.toMatch(/[\uD800-\uDBFF]$/);
      expect(result.log?.bodyTruncated).toBe(true);
    });
  }

  it('keeps a short non-ASCII body whole', async () => {
    const result = await probe(probeSpecFor(target.url('/short')));
    expect(result.log?.body).toBe(BODIES['/short']);
    expect(result.log?.bodyTruncated).toBe(false);
  });
});
