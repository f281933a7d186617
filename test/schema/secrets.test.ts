// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here
// Secrets: references found per field, filled from the environment, redacted back, and hashed.
import { describe, expect, it } from 'vitest';
import { specHash } from '../../schema/hash.ts';
import { normalizeMonitor } from '../../schema/normalize.ts';
import { collectSecrets, fillSecrets, redactSecrets, secretRefs } from '../../schema/secrets.ts';
import type { MonitorSpec } from '../../schema/types.ts';

const spec = (extra: Record<string, unknown> = {}): MonitorSpec =>
  normalizeMonitor({
    id: 'api',
    url: 'https://api.example.com/v1?key=${API_KEY}',
    method: 'POST',
    headers: { Authorization: 'Bearer ${API_TOKEN}', 'X-Plain': 'yes' },
    body: '{"user": "${API_USER}", "token": "${API_TOKEN}"}',
    ...extra,
  });

describe('secretRefs', () => {
  it('lists each reference with its field', () => {
    expect(secretRefs(spec())).toEqual([
      { field: 'url', name: 'API_KEY' },
      { field: 'headers.Authorization', name: 'API_TOKEN' },
      { field: 'body', name: 'API_USER' },
      { field: 'body', name: 'API_TOKEN' },
    ]);
  });
});

describe('fillSecrets', () => {
  it('replaces references that have a value and leaves the others as written', () => {
    expect(fillSecrets('a ${A} b ${B} c ${A}', { A: 'x' })).toBe('a x b ${B} c x');
  });

  it('inserts values literally, even ones that look like replacement patterns', () => {
    expect(fillSecrets('${A}', { A: '$& $1 ${B}' })).toBe('$& $1 ${B}');
  });
});

describe('collectSecrets', () => {
  it('reads every referenced variable', () => {
    const result = collectSecrets([spec()], { API_KEY: 'k', API_TOKEN: 't', API_USER: 'u', OTHER: 'o' });
    expect(result).toEqual({ secrets: { API_KEY: 'k', API_TOKEN: 't', API_USER: 'u' }, diagnostics: [] });
  });

  it('names monitor, field and variable of each missing or empty one (secret_missing)', () => {
    const sources = new Map([['api', { file: 'monitors/api.yml', line: 3, column: 5 }]]);
    const { diagnostics } = collectSecrets([spec()], { API_KEY: 'k', API_TOKEN: '' }, sources);
    expect(diagnostics).toMatchObject([
      { code: 'secret_missing', file: 'monitors/api.yml', line: 3, column: 5, severity: 'error' },
      { code: 'secret_missing' },
      { code: 'secret_missing' },
    ]);
    expect(diagnostics[0]?.message).toBe(
      'monitor `api` uses `${API_TOKEN}` in `headers.Authorization`, but the environment variable API_TOKEN is empty',
    );
    expect(diagnostics[1]?.message).toContain('`${API_USER}` in `body`');
    expect(diagnostics[1]?.message).toContain('is not set');
    expect(diagnostics[0]?.hint).toContain('secrets.API_TOKEN');
  });
});

describe('redactSecrets', () => {
  it('replaces values by their reference, longest first', () => {
    const secrets = { SHORT: 'abc', LONG: 'abcdef' };
    expect(redactSecrets('x abcdef y abc', secrets)).toBe('x ${LONG} y ${SHORT}');
  });

  it('redacts URL-encoded forms of a value', () => {
    const secrets = { TOKEN: 'a b/c&d' };
    expect(redactSecrets('GET /?t=a%20b%2Fc%26d and a b/c&d', secrets)).toBe('GET /?t=${TOKEN} and ${TOKEN}');
  });

  it('ignores empty values', () => {
    expect(redactSecrets('text', { EMPTY: '' })).toBe('text');
  });
});

describe('specHash', () => {
  const secrets = { API_KEY: 'k', API_TOKEN: 't', API_USER: 'u' };

  it('does not depend on key order', () => {
    const a = spec();
    const reversed = JSON.parse(JSON.stringify(a), (_key, value) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    ) as MonitorSpec;
    expect(Object.keys(reversed)[0]).toBe('renamed_from');
    expect(specHash(reversed, secrets)).toBe(specHash(a, secrets));
  });

  it('changes when a referenced secret value changes, not when an unrelated one does', () => {
    const base = specHash(spec(), secrets);
    expect(specHash(spec(), { ...secrets, API_TOKEN: 't2' })).not.toBe(base);
    expect(specHash(spec(), { ...secrets, UNRELATED: 'x' })).toBe(base);
  });

  it('changes when any field changes', () => {
    const base = specHash(spec(), secrets);
    expect(specHash(spec({ interval: '2m' }), secrets)).not.toBe(base);
    expect(specHash(spec({ keywords: ['a', 'b'] }), secrets)).not.toBe(
      specHash(spec({ keywords: ['b', 'a'] }), secrets),
    );
  });

  it('is a sha256 hex digest that never contains a value', () => {
    const hash = specHash(spec(), { ...secrets, API_TOKEN: 'super-secret-token' });
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
