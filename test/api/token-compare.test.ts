// Token checks compare sha256 digests (always 32 bytes) in constant time through one helper,
// tokenMatches: any length of token can be presented without an error or a shortcut, every hash
// is compared, and a missing token never matches (not even the hash of '').
import { describe, expect, it } from 'vitest';
import { bearerMatches, bearerToken, hashToken, tokenMatches } from '../../collector/http/auth.ts';
import { presentedToken } from '../../collector/status/access.ts';
import { build, TOKEN } from '../collector/build.ts';

const ADMIN = 'admin-token-0123456789abcdef';
const READ = 'read-token-0123456789abcdef';

describe('tokenMatches', () => {
  const hashes = [hashToken(READ), hashToken(ADMIN)];

  it('matches either token, whichever position its hash has', () => {
    expect(tokenMatches(READ, hashes)).toBe(true);
    expect(tokenMatches(ADMIN, hashes)).toBe(true);
    expect(tokenMatches(ADMIN, [...hashes].reverse())).toBe(true);
  });

  it('refuses tokens of any other length without throwing (raw buffers of unequal length would)', () => {
    for (const given of [
      '',
      'a',
      READ.slice(0, -1),
      `${READ}x`,
      READ.repeat(1000),
      'é'.repeat(33),
      '\u0000',
    ]) {
      expect(tokenMatches(given, hashes), JSON.stringify(given.slice(0, 20))).toBe(false);
    }
  });

  it('never matches a missing token, even against the hash of the empty string', () => {
    expect(tokenMatches(null, [hashToken('')])).toBe(false);
    expect(tokenMatches(null, [])).toBe(false);
    expect(tokenMatches(READ, [])).toBe(false);
  });

  it('takes a stored hash of another length as no match, not an exception', () => {
    expect(tokenMatches(READ, [Buffer.alloc(3), hashToken(READ)])).toBe(true);
    expect(tokenMatches(READ, [Buffer.alloc(3)])).toBe(false);
  });

  it('reads Bearer (and Basic for the read token) and nothing else', () => {
    expect(bearerToken(`Bearer ${ADMIN}`)).toBe(ADMIN);
    expect(bearerToken(`bearer   ${ADMIN}  `)).toBe(ADMIN);
    for (const header of [undefined, '', 'Bearer', `Token ${ADMIN}`, `Bearer ${ADMIN} extra`]) {
      expect(bearerToken(header), String(header)).toBeNull();
      expect(bearerMatches(header, hashToken(ADMIN))).toBe(false);
    }
    expect(presentedToken(`Basic ${Buffer.from(`u:${READ}`).toString('base64')}`)).toBe(READ);
  });
});

describe('the hooks', () => {
  it('answer 401, never 500, to admin and read tokens of odd lengths and encodings', async () => {
    const b = await build({ config: { embeddedRunner: false, statusPublic: false, statusToken: READ } });
    try {
      const odd = ['x', 'x'.repeat(8000), `${TOKEN}\u00e9`, TOKEN.slice(1), '%00', '\u00ff'.repeat(40)];
      for (const token of odd) {
        for (const url of ['/v1/engine/stats', '/v1/monitors', '/v1/status']) {
          for (const authorization of [
            `Bearer ${token}`,
            `Basic ${Buffer.from(`:${token}`).toString('base64')}`,
          ]) {
            const response = await b.app.inject({ method: 'GET', url, headers: { authorization } });
            expect(response.statusCode, `${url} ${authorization.slice(0, 30)}`).toBe(401);
          }
        }
      }
      const admin = await b.app.inject({
        method: 'GET',
        url: '/v1/engine/stats',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(admin.statusCode).toBe(200);
    } finally {
      await b.destroy();
    }
  });
});
