// The parts of monitors.schema.json generated from schema/limits.ts, so editors flag what the
// rules would: each duration key's range as a pattern (`intervalRange`, ...), and `timeout`
// shorter than `interval` as `if`/`then` over whole-second buckets of the interval
// (`timeoutBelowInterval` inside a monitor, `timeoutBelowDefaultInterval` for monitors that take
// their interval from `defaults:` or the built-in default). See schema/duration-patterns.ts for
// what a pattern can and cannot say. `vigil validate` ignores these parts (schema-errors.ts drops
// their errors): its rules say the same in words. `node schema/schema-ranges.ts --write` updates
// the schema file; test/schema/schema-ranges.test.ts checks it is up to date.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDuration, parseDuration } from './duration.ts';
import { durationRangePattern, type PatternRange } from './duration-patterns.ts';
import { DURATION_RANGES, type DurationRange } from './limits.ts';
import { GENERATED_COMMENT, type JsonSchema } from './schema-check.ts';
import { assertionOperators, conditional, flappingOrder, forbiddenHeaders } from './schema-rule-defs.ts';

export { GENERATED_COMMENT };

/** `$defs` name of a duration key's range: `alert.remind_every` → `alertRemindEveryRange`. */
export function rangeDefName(field: string): string {
  const words = field
    .split(/[._]/)
    .filter((w) => w !== '*')
    .map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1)));
  return `${words.join('')}Range`;
}

function rangeText(range: DurationRange): string {
  const span = `${range.min === 0 ? '0' : formatDuration(range.min)}..${formatDuration(range.max)}`;
  return range.zeroAllowed && range.min > 0 ? `0 or ${span}` : span;
}

function rangeDef(range: DurationRange): JsonSchema {
  const ranges: PatternRange[] =
    range.zeroAllowed && range.min > 0 ? [{ min: 0, max: 0 }, range] : [{ min: range.min, max: range.max }];
  const name = range.field.replace('.*.', '[].');
  const def: JsonSchema = {
    $comment: `${GENERATED_COMMENT} from DURATION_RANGES in schema/limits.ts. Exact for durations whose units after the first are below their carry (m and s under 60, ms under 1000); others, like 1m90s, are left to vigil validate.`,
    ...stringPattern(durationRangePattern(ranges, 'lenient'), `\`${name}\` must be ${rangeText(range)}`),
  };
  // The number 0 is a duration; refuse it where 0 is out of range.
  if (range.min > 0 && !range.zeroAllowed) def.not = { const: 0 };
  return def;
}

/**
 * A pattern for the text form only; numbers are the `duration` definition's business. Behind an
 * `if` so that a number gets no second error and ajv's strict mode sees the type it needs.
 */
function stringPattern(pattern: string, message: string): JsonSchema {
  return conditional({ type: 'string' }, 'then', { type: 'string', pattern, patternErrorMessage: message });
}

function limit(field: string): DurationRange {
  const range = DURATION_RANGES.find((r) => r.field === field);
  if (range === undefined) throw new Error(`no duration range for ${field}`);
  return range;
}

/**
 * Whole seconds k whose interval bucket (k-1 s, k s] can hold a timeout too long: from the
 * interval's minimum up to the timeout's maximum (a longer interval takes any valid timeout).
 */
function bucketSeconds(): number[] {
  const interval = limit('interval');
  const timeout = limit('timeout');
  const out: number[] = [];
  for (let k = Math.ceil(interval.min / 1000); k * 1000 <= timeout.max; k++) out.push(k);
  return out;
}

/** An interval within ((k-1) s, k s], only when surely so (strict: safe as a condition). */
function intervalBucket(k: number): JsonSchema {
  return {
    type: 'string',
    pattern: durationRangePattern([{ min: (k - 1) * 1000 + 1, max: k * 1000 }], 'strict'),
  };
}

/** A timeout shorter than k s (lenient: never a false error). */
function timeoutBelow(k: number): JsonSchema {
  return stringPattern(
    durationRangePattern([{ min: 0, max: k * 1000 - 1 }], 'lenient'),
    `\`timeout\` must be shorter than \`interval\` (${formatDuration(k * 1000)})`,
  );
}

function bucketDefs(): Record<string, JsonSchema> {
  const defs: Record<string, JsonSchema> = {};
  for (const k of bucketSeconds()) {
    defs[`intervalBucket${k}s`] = { $comment: GENERATED_COMMENT, ...intervalBucket(k) };
    defs[`timeoutBelow${k}s`] = { $comment: GENERATED_COMMENT, ...timeoutBelow(k) };
  }
  return defs;
}

const ref = (name: string) => ({ $ref: `#/$defs/${name}` });

/**
 * Every duration key of a monitor (or of `defaults:`) with its range, as nested properties. The
 * ranges sit on the enclosing object rather than beside each key's `$ref`: the YAML language
 * server turns a `$ref` with constraint siblings into an `allOf` and then shows the referenced
 * definition's description on hover instead of the key's own.
 */
function durationRanges(): JsonSchema {
  const root: JsonSchema = { type: 'object' };
  for (const range of DURATION_RANGES) {
    let node = root;
    const parts = range.field.split('.');
    parts.forEach((part, index) => {
      if (part === '*') {
        node.items ??= { type: 'object' };
        node = node.items;
        return;
      }
      node.properties ??= {};
      if (index === parts.length - 1) {
        node.properties[part] = ref(rangeDefName(range.field));
        return;
      }
      const list = parts[index + 1] === '*';
      node.properties[part] ??= { type: list ? 'array' : 'object' };
      node = node.properties[part] as JsonSchema;
    });
  }
  return { $comment: `${GENERATED_COMMENT}: the range of every duration key.`, ...root };
}

function timeoutBelowInterval(): JsonSchema {
  return {
    $comment: `${GENERATED_COMMENT}: \`timeout\` shorter than the monitor's own \`interval\`, exact for whole-second intervals.`,
    type: 'object',
    allOf: bucketSeconds().map((k) =>
      conditional({ properties: { interval: ref(`intervalBucket${k}s`) }, required: ['interval'] }, 'then', {
        properties: { timeout: ref(`timeoutBelow${k}s`) },
      }),
    ),
  };
}

/** Monitors without an interval of their own take `defaults.interval`, else the built-in one. */
function timeoutBelowDefaultInterval(builtinInterval: number): JsonSchema {
  const inheriting = (k: number): JsonSchema => ({
    properties: {
      monitors: {
        type: 'array',
        items: conditional(
          { type: 'object', not: { type: 'object', properties: { interval: true }, required: ['interval'] } },
          'then',
          { type: 'object', properties: { timeout: ref(`timeoutBelow${k}s`) } },
        ),
      },
    },
  });
  const defaultsInterval = (interval: JsonSchema | boolean): JsonSchema => ({
    properties: { defaults: { type: 'object', properties: { interval }, required: ['interval'] } },
    required: ['defaults'],
  });
  const conditions = bucketSeconds().map((k) =>
    conditional(defaultsInterval(ref(`intervalBucket${k}s`)), 'then', inheriting(k)),
  );
  const builtin = builtinInterval / 1000;
  if (Number.isInteger(builtin) && bucketSeconds().includes(builtin)) {
    conditions.push(conditional(defaultsInterval(true), 'else', inheriting(builtin)));
  }
  return {
    $comment: `${GENERATED_COMMENT}: \`timeout\` shorter than \`defaults.interval\` or the built-in interval for monitors without their own \`interval\`.`,
    type: 'object',
    allOf: conditions,
  };
}

/**
 * Every generated `$defs` entry, for a schema whose `interval` default is `builtinInterval` and
 * whose flapping scores go up to `flappingMax`.
 */
export function generatedDefs(builtinInterval: number, flappingMax: number): Record<string, JsonSchema> {
  const defs: Record<string, JsonSchema> = {};
  for (const range of DURATION_RANGES) defs[rangeDefName(range.field)] = rangeDef(range);
  defs.durationRanges = durationRanges();
  Object.assign(defs, bucketDefs());
  defs.timeoutBelowInterval = timeoutBelowInterval();
  defs.timeoutBelowDefaultInterval = timeoutBelowDefaultInterval(builtinInterval);
  defs.assertionOperators = assertionOperators();
  defs.flappingOrder = flappingOrder(flappingMax);
  defs.forbiddenHeaders = forbiddenHeaders();
  return defs;
}

/** The schema with its generated `$defs` replaced by fresh ones (hand-written ones kept, in order). */
export function withGeneratedDefs(schema: JsonSchema): JsonSchema {
  const monitor = schema.$defs?.monitor;
  const interval = monitor?.properties?.interval;
  const builtin = parseDuration(String(typeof interval === 'object' ? (interval.default ?? '') : ''));
  if (builtin === null) throw new Error('monitors.schema.json: monitor.interval has no default');
  const high = schema.$defs?.flappingConfig?.properties?.high;
  const flappingMax = typeof high === 'object' ? high.maximum : undefined;
  if (flappingMax === undefined) throw new Error('monitors.schema.json: flapping.high has no maximum');
  const kept = Object.entries(schema.$defs ?? {}).filter(
    ([, def]) => !(typeof def.$comment === 'string' && def.$comment.startsWith(GENERATED_COMMENT)),
  );
  return { ...schema, $defs: { ...Object.fromEntries(kept), ...generatedDefs(builtin, flappingMax) } };
}

if (import.meta.main) {
  const path = join(import.meta.dirname, 'monitors.schema.json');
  const schema = JSON.parse(await readFile(path, 'utf8')) as JsonSchema;
  const fresh = `${formatJson(withGeneratedDefs(schema), '')}\n`;
  if (process.argv.includes('--write')) await writeFile(path, fresh);
  else process.stdout.write(fresh);
}

/** JSON as the schema file is written: a value on one line when it fits in 110 columns. */
export function formatJson(value: unknown, indent: string, key = ''): string {
  const line = oneLine(value);
  if (value === null || typeof value !== 'object' || indent.length + key.length + line.length + 1 <= 110) {
    return line;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    return `[\n${value.map((item) => `${inner}${formatJson(item, inner)}`).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).map(([k, v]) => {
    const head = `${JSON.stringify(k)}: `;
    return `${inner}${head}${formatJson(v, inner, head)}`;
  });
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

/** One-line JSON with spaces inside braces, as Biome prints a short object. */
function oneLine(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return JSON.stringify(value);
}
