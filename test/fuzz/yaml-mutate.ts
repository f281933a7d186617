// Mutations of monitor files for the YAML fuzzer, driven by a seeded generator so a failure is
// reproduced by its seed and iteration. Each mutation aims at something a parser or the monitor
// rules could get wrong: bytes that are not UTF-8, broken indentation, anchors and aliases,
// numbers and durations too large to be exact, deep nesting, long lines, unusual characters and
// complex keys.

import { MAX_FILE_BYTES } from '../../schema/limits.ts';
import type { Rng } from './rng.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

const HUGE = [
  '9007199254740993ms',
  '99999999999999999999h',
  '2501999792h59m59s999ms',
  '1' + '0'.repeat(400),
  '1e400',
  '-1e400',
  '.inf',
  '-.inf',
  '.nan',
  '0x7fffffffffffffff',
  '-0',
  '9007199254740993',
  '1.7976931348623157e308',
  '4294967296',
  '-9007199254740993',
  '0o777777777777777777777',
];
const TOKENS = [
  ': ',
  '- ',
  '? ',
  '---\n',
  '...\n',
  '!tag ',
  '!!binary ',
  '!!map ',
  '%YAML 1.2\n',
  '"',
  "'",
  '|\n',
  '>-\n',
  '# ',
  '{',
  '}',
  '[',
  ']',
  ',',
  '<<: *a\n',
  '&a ',
  '*a',
  '\t',
  '\r',
  '\r\n',
  '\\',
  '@',
  '`',
  '${',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a secret reference is literal text here.
  '${SECRET}',
  'null',
  '~',
  'true',
];
const UNICODE = [
  '\u0000',
  '\u0007',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\u200b',
  '\u202e',
  '\ufeff',
  '\ufffd',
  '\uffff',
  'é',
  'ß',
  'İ',
  '日本',
  '😀',
  '👩‍💻',
  '\u{10ffff}',
];
const BILLION_LAUGHS =
  'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n';

type Mutation = (bytes: Uint8Array, rng: Rng, seeds: readonly Uint8Array[]) => Uint8Array;

const lines = (bytes: Uint8Array) => decoder.decode(bytes).split('\n');
const fromLines = (list: string[]) => encoder.encode(list.join('\n'));
const at = (bytes: Uint8Array, rng: Rng) => rng.int(bytes.length + 1);

function insert(bytes: Uint8Array, offset: number, text: string | Uint8Array): Uint8Array {
  const added = typeof text === 'string' ? encoder.encode(text) : text;
  const out = new Uint8Array(bytes.length + added.length);
  out.set(bytes.subarray(0, offset));
  out.set(added, offset);
  out.set(bytes.subarray(offset), offset + added.length);
  return out;
}

/** Text inserted at the start of a random line, after its indentation. */
function atLineStart(bytes: Uint8Array, rng: Rng, text: string): Uint8Array {
  const list = lines(bytes);
  const index = rng.int(list.length);
  const line = list[index] ?? '';
  const indent = /^ */.exec(line)?.[0].length ?? 0;
  list[index] = line.slice(0, indent) + text + line.slice(indent);
  return fromLines(list);
}

/** Replaces the value after a random `key: ` (or inserts at a random place when none). */
function replaceValue(bytes: Uint8Array, rng: Rng, value: string): Uint8Array {
  const list = lines(bytes);
  const candidates = list.map((line, i) => (/:\s+\S/.test(line) ? i : -1)).filter((i) => i >= 0);
  if (candidates.length === 0) return insert(bytes, at(bytes, rng), value);
  const index = rng.pick(candidates);
  list[index] = (list[index] ?? '').replace(/:(\s+)(\S.*)$/, (_, space) => `:${space}${value}`);
  return fromLines(list);
}

export const MUTATIONS: Record<string, Mutation> = {
  flipBit: (bytes, rng) => {
    if (bytes.length === 0) return bytes;
    const out = bytes.slice();
    const i = rng.int(out.length);
    out[i] = (out[i] as number) ^ (1 << rng.int(8));
    return out;
  },
  randomByte: (bytes, rng) => insert(bytes, at(bytes, rng), new Uint8Array([rng.int(256)])),
  deleteLine: (bytes, rng) => {
    const list = lines(bytes);
    list.splice(rng.int(list.length), 1 + rng.int(3));
    return fromLines(list);
  },
  duplicateLine: (bytes, rng) => {
    const list = lines(bytes);
    const i = rng.int(list.length);
    list.splice(i, 0, ...list.slice(i, i + 1 + rng.int(4)));
    return fromLines(list);
  },
  swapLines: (bytes, rng) => {
    const list = lines(bytes);
    const [i, j] = [rng.int(list.length), rng.int(list.length)];
    [list[i], list[j]] = [list[j] ?? '', list[i] ?? ''];
    return fromLines(list);
  },
  indent: (bytes, rng) => {
    const list = lines(bytes);
    const i = rng.int(list.length);
    const line = list[i] ?? '';
    const change = rng.int(9) - 4;
    list[i] = change >= 0 ? ' '.repeat(change) + line : line.replace(new RegExp(`^ {0,${-change}}`), '');
    if (rng.int(10) === 0) list[i] = `\t${list[i]}`;
    return fromLines(list);
  },
  anchorAlias: (bytes, rng) => {
    const name = rng.pick(['a', 'b', 'x', 'long_anchor_name']);
    const anchored = replaceValue(bytes, rng, `&${name} ${rng.pick(['x', '[1, 2]', '{a: b}', '30s'])}`);
    return replaceValue(anchored, rng, `*${rng.pick([name, 'undefined'])}`);
  },
  billionLaughs: (bytes, rng) => insert(bytes, rng.int(2) === 0 ? 0 : bytes.length, BILLION_LAUGHS),
  hugeNumber: (bytes, rng) => replaceValue(bytes, rng, rng.pick(HUGE)),
  deepNesting: (bytes, rng) => {
    const depth = 1 + rng.int(rng.int(4) === 0 ? 5000 : 100);
    const kind = rng.int(4);
    if (kind === 0) return atLineStart(bytes, rng, `${'- '.repeat(depth)}x`);
    if (kind === 1) return replaceValue(bytes, rng, '['.repeat(depth) + ']'.repeat(rng.int(depth + 1)));
    if (kind === 2) return replaceValue(bytes, rng, '{a: '.repeat(depth) + '}'.repeat(depth));
    const list = lines(bytes);
    const at = rng.int(list.length);
    list.splice(at, 0, ...Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 1)}k${i}:`));
    return fromLines(list);
  },
  longLine: (bytes, rng) => {
    const length = rng.pick([1_000, 10_000, 70_000, 200_000]);
    return replaceValue(bytes, rng, rng.pick(['x', 'ab ', '[', ': ', '"', '😀']).repeat(length / 2));
  },
  unicode: (bytes, rng) => insert(bytes, at(bytes, rng), rng.pick(UNICODE)),
  complexKey: (bytes, rng) => atLineStart(bytes, rng, '? '.repeat(1 + rng.int(rng.int(4) === 0 ? 600 : 5))),
  token: (bytes, rng) => insert(bytes, at(bytes, rng), rng.pick(TOKENS)),
  splice: (bytes, rng, seeds) => {
    const other = rng.pick(seeds);
    const from = rng.int(other.length + 1);
    return insert(bytes, at(bytes, rng), other.subarray(from, from + rng.int(400)));
  },
  truncate: (bytes, rng) => bytes.subarray(0, rng.int(bytes.length + 1)),
};

const NAMES = Object.keys(MUTATIONS);

/** A seed file with 1 to 4 mutations, and their names (for the failure message). */
export function mutate(
  seed: Uint8Array,
  rng: Rng,
  seeds: readonly Uint8Array[],
): { bytes: Uint8Array; applied: string[] } {
  let bytes = seed;
  const applied: string[] = [];
  for (let count = 1 + rng.int(4); count > 0; count--) {
    const name = rng.pick(NAMES);
    bytes = (MUTATIONS[name] as Mutation)(bytes, rng, seeds);
    applied.push(name);
  }
  // Larger files are refused by size before parsing (load.test.ts); keep the fuzzer below that.
  if (bytes.length > MAX_FILE_BYTES) bytes = bytes.subarray(0, MAX_FILE_BYTES);
  return { bytes, applied };
}
