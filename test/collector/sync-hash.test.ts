// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here.
import { describe, expect, it } from 'vitest';
import { hashSpec } from '../../collector/sync/secrets.ts';
import { toDocument } from '../../schema/normalize.ts';
import { validateMonitorList } from '../../schema/validate.ts';
import { makeSpec } from './fixtures.ts';

/** The same object with its keys (at every level) in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, inner]) => [key, reversed(inner)]),
  );
}

function specOf(document: unknown) {
  const { specs, diagnostics } = validateMonitorList([document], 'test');
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return specs[0]!;
}

describe("the collector's spec hash", () => {
  const rich = {
    id: 'rich',
    url: 'https://rich.example.invalid/${P}',
    method: 'POST',
    headers: { 'X-One': '1', Authorization: 'Bearer ${T}', 'Content-Type': 'application/json' },
    body: '{"a":1}',
    keywords: ['ok'],
    assertions: [{ source: 'json', path: '$.a', operator: 'eq', value: 1 }],
    maintenance: [{ cron: '0 3 * * *', duration: '30m', timezone: 'UTC' }],
    alert: { after: '5m', labels: ['x'] },
    flapping: { window: 10, low: 20, high: 40 },
  };

  it('does not depend on the order keys were written or sent in', () => {
    const a = specOf(rich);
    const b = specOf(reversed(rich));
    const c = specOf(reversed(toDocument(a)));
    expect(hashSpec(b, {})).toBe(hashSpec(a, {}));
    expect(hashSpec(c, {})).toBe(hashSpec(a, {}));
    expect(hashSpec(a, { T: 'x', P: 'y' })).toBe(hashSpec(a, { P: 'y', T: 'x' }));
  });

  it('changes with any field and with any secret fingerprint', () => {
    const base = makeSpec('a');
    const variants = [
      makeSpec('a', { name: 'other' }),
      makeSpec('a', { headers: { A: 'b' } }),
      makeSpec('a', { interval: 120_000 }),
      makeSpec('a', { alert: { ...base.alert, labels: ['l'] } }),
      makeSpec('a', { flapping: false }),
      makeSpec('a', { regions: ['eu'] }),
      makeSpec('a', { renamed_from: 'b' }),
      makeSpec('a', { assertions: [{ source: 'status', operator: 'eq', value: 200 }] }),
    ];
    const hashes = new Set([hashSpec(base, {}), hashSpec(base, { T: 'f1' }), hashSpec(base, { T: 'f2' })]);
    for (const variant of variants) hashes.add(hashSpec(variant, {}));
    expect(hashes.size).toBe(variants.length + 3);
  });
});
