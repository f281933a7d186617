// Hostile request parts for the API fuzzer (api-fuzz.test.ts): a seeded generator, odd values for
// params, queries and headers, and bodies derived from a route's own JSON schema then broken
// (wrong types, missing and extra keys, numbers JSON cannot hold, deep nesting, huge strings,
// invalid UTF-8, truncated or non-JSON text). Everything is drawn from the seed, so a failure
// reproduces with VIGIL_FUZZ_SEED and its index.

import type { Rng } from './rng.ts';

/** Text values that have broken parsers: numbers out of range, encodings, sizes. */
export const ODD_TEXT: readonly string[] = [
  '',
  ' ',
  '0',
  '-0',
  '1',
  '-1',
  '1e309',
  '-1e309',
  'Infinity',
  '-Infinity',
  'NaN',
  '1e20',
  '9007199254740993',
  '0x10',
  '1.5',
  '1e-400',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'toString',
  '%',
  '%ZZ',
  '%00',
  '%C3%28',
  '%FF%FE',
  '%E2%82',
  '%ED%A0%80',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  'a/b',
  'a%2Fb',
  '\u00e9t\u00e9',
  '\u{1F600}',
  '\u202e',
  "'; DROP TABLE monitors; --",
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
  '${HOME}',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '-271821-04-20T00:00:00Z',
  '99999999999999999.99999999999999999',
  '1.2.3',
];

/** Numbers as query text: out of double range, not numbers, signed zero, hex, fractions. */
export const ODD_NUMBERS: readonly string[] = [
  '1e309',
  '-1e309',
  'Infinity',
  '-Infinity',
  'NaN',
  '-0',
  '0',
  '1e20',
  '-1',
  '0x10',
  '1.5',
  '1e2',
  '',
  '9'.repeat(400),
];

export function oddText(rng: Rng): string {
  if (rng.chance(0.08)) return 'x'.repeat(rng.pick([201, 4001, 70_000]));
  if (rng.chance(0.05)) return encodeURIComponent('\u00e9'.repeat(rng.int(300)));
  return rng.pick(ODD_TEXT);
}

/** A value inside a URL path segment: already percent-encoded or deliberately not. */
export function oddSegment(rng: Rng): string {
  const text = oddText(rng);
  if (text.includes('%') || rng.chance(0.3)) return text.replace(/ /g, '%20').replace(/\//g, '%2F');
  return encodeURIComponent(text);
}

type Schema = Record<string, unknown>;

function schemaType(schema: Schema): string | undefined {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  return typeof type === 'string' ? type : undefined;
}

/** A value that satisfies `schema` as far as the fuzzer can tell (the starting point for mutations). */
export function plausible(schema: unknown, rng: Rng, depth = 0): unknown {
  if (schema === null || typeof schema !== 'object' || depth > 6) return null;
  const node = schema as Schema;
  if (Array.isArray(node.enum)) return rng.pick(node.enum);
  if (Array.isArray(node.anyOf)) return plausible(rng.pick(node.anyOf), rng, depth + 1);
  switch (schemaType(node)) {
    case 'integer':
    case 'number': {
      const low = typeof node.minimum === 'number' ? node.minimum : 0;
      const high = typeof node.maximum === 'number' ? Math.min(node.maximum, low + 100) : low + 100;
      return low + rng.int(high - low + 1);
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'string':
      return typeof node.pattern === 'string' ? 'eu' : 'x';
    case 'array':
      return rng.chance(0.5) ? [] : [plausible(node.items, rng, depth + 1)];
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = (node.properties ?? {}) as Record<string, unknown>;
      const required = new Set((node.required ?? []) as string[]);
      for (const [key, child] of Object.entries(properties)) {
        if (required.has(key) || rng.chance(0.5)) out[key] = plausible(child, rng, depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}

/** A value of some other type, or a number JSON cannot represent faithfully (as a raw token). */
export function oddValue(rng: Rng): unknown {
  return rng.pick<() => unknown>([
    () => null,
    () => true,
    () => -0,
    () => 2 ** 53 + 2,
    () => -(2 ** 63),
    () => 1e300,
    () => 0.5,
    () => -1,
    () => RAW_NUMBER,
    () => oddText(rng),
    () => [],
    () => [[[]]],
    () => ({}),
    () => ({ __proto__: { admin: true } }),
    () => Array.from({ length: rng.pick([1001, 5000]) }, () => 1),
    () => 'x'.repeat(rng.pick([100_001, 300_000])),
  ])();
}

/** Placeholder replaced by a literal JSON number out of double range in the serialized body. */
export const RAW_NUMBER = '\u0000raw-number\u0000';
const RAW_NUMBERS = ['1e309', '-1e309', '1e400', '-0.0e-999', '123456789012345678901234567890'];

/** A copy of `value` with one property (at any depth) changed, removed, or added. */
export function mutate(value: unknown, rng: Rng, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 5 || rng.chance(0.15)) return oddValue(rng);
  if (Array.isArray(value)) {
    const copy = [...value];
    if (copy.length === 0 || rng.chance(0.3)) copy.push(oddValue(rng));
    else {
      const index = rng.int(copy.length);
      copy[index] = mutate(copy[index], rng, depth + 1);
    }
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const roll = rng.next();
  if (keys.length === 0 || roll < 0.15)
    copy[rng.pick(['extra', '__proto__', 'constructor', '', 'a.b'])] = oddValue(rng);
  else if (roll < 0.3) delete copy[rng.pick(keys)];
  else {
    const key = rng.pick(keys);
    copy[key] = mutate(copy[key], rng, depth + 1);
  }
  return copy;
}

/** Every path to a leaf (a value that is not a non-empty object or array) of `value`. */
function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [path];
  const entries = Object.entries(value as object);
  if (entries.length === 0) return [path];
  return entries.flatMap(([key, child]) =>
    leaves(child, [...path, Array.isArray(value) ? Number(key) : key]),
  );
}

/** A copy of `value` with one leaf, chosen evenly among all (deep ones as often as shallow), replaced. */
export function mutateLeaf(value: unknown, rng: Rng): unknown {
  const path = rng.pick(leaves(value));
  if (path.length === 0) return oddValue(rng);
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = oddValue(rng);
  return copy;
}

function nested(depth: number, open: string, close: string): string {
  return `${open.repeat(depth)}1${close.repeat(depth)}`;
}

/** Serializes `value` as JSON, with raw out-of-range numbers where the placeholder stands. */
export function toJsonText(value: unknown, rng: Rng): string {
  return JSON.stringify(value).replaceAll(JSON.stringify(RAW_NUMBER), () => rng.pick(RAW_NUMBERS));
}

/** A broken body for a route whose body schema is `schema` (undefined: a route without one). */
export function oddBody(schema: unknown, rng: Rng, extra: readonly unknown[] = []): string | Buffer {
  const roll = rng.next();
  const base =
    extra.length > 0 && rng.chance(0.5) ? rng.pick(extra) : plausible(schema ?? { type: 'object' }, rng);
  if (roll < 0.3) return toJsonText(mutate(base, rng), rng);
  if (roll < 0.55) return toJsonText(mutateLeaf(base, rng), rng);
  if (roll < 0.62) return toJsonText(base, rng);
  return rng.pick<() => string | Buffer>([
    () => '',
    () => 'null',
    () => '"text"',
    () => '[]',
    () => '1e309',
    () => '{',
    () => toJsonText(base, rng).slice(0, -1),
    () => '{"a":1,"a":2}',
    () => '{"__proto__":{"polluted":1}}',
    () => '{"constructor":{"prototype":{"polluted":1}}}',
    () => nested(rng.pick([100, 5000, 100_000]), '[', ']'),
    () => nested(rng.pick([100, 5000, 50_000]), '{"a":', '}'),
    () =>
      Buffer.concat([Buffer.from('{"revision":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]),
    () => Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from(toJsonText(base, rng))]),
    () => Buffer.from(toJsonText(base, rng), 'utf16le'),
    () => `{"s":"\\ud800","t":"\\u0000"}`,
    () => 'x=1&y=2',
    () => '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--',
    () => Buffer.alloc(rng.pick([1, 1000, 2_000_000]), 0x20),
  ])();
}

export const CONTENT_TYPES: readonly (string | undefined)[] = [
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json;;;',
  'Application/JSON',
  'application/vnd.api+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=b',
  'application/octet-stream',
  '',
  '*/*',
  'application/json\u0000',
  undefined,
];

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'] as const;
