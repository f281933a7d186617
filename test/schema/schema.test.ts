// monitors.schema.json itself: it compiles in ajv strict mode, documents every key (description,
// examples, default), closes every mapping, and agrees with the limits the code enforces.
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, parseDuration } from '../../schema/duration.ts';
import { DURATION_RANGES, FORBIDDEN_HEADERS } from '../../schema/limits.ts';
import { BUILTIN_DEFAULTS } from '../../schema/normalize.ts';
import {
  createAjv,
  type JsonSchema,
  MONITORS_SCHEMA,
  resolveRef,
  schemaAt,
  schemaDef,
} from '../../schema/schema-check.ts';
import { GENERATED_COMMENT } from '../../schema/schema-ranges.ts';

/**
 * Every subschema with the path that leads to it, except the generated range definitions
 * (schema/schema-ranges.ts): they only constrain keys documented elsewhere.
 */
function walk(schema: unknown, path: string, visit: (node: JsonSchema, path: string) => void): void {
  if (schema === null || typeof schema !== 'object') return;
  const comment = (schema as JsonSchema).$comment;
  if (typeof comment === 'string' && comment.startsWith(GENERATED_COMMENT)) return;
  if (Array.isArray(schema)) {
    for (const [i, item] of schema.entries()) walk(item, `${path}/${i}`, visit);
    return;
  }
  visit(schema as JsonSchema, path);
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'examples' || key === 'default' || key === 'const' || key === 'enum') continue;
    walk(value, `${path}/${key}`, visit);
  }
}

describe('monitors.schema.json', () => {
  it('is JSON Schema 2020-12 and compiles in ajv strict mode', () => {
    expect(MONITORS_SCHEMA).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema' });
    // A plain strict instance, as a third party would compile it, told about the one annotation
    // it does not know (the editors' message for a range pattern).
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    ajv.addKeyword('patternErrorMessage');
    addFormats.default(ajv);
    expect(() => ajv.compile(MONITORS_SCHEMA)).not.toThrow();
    expect(ajv.validateSchema(MONITORS_SCHEMA)).toBe(true);
    expect(() => createAjv().compile(MONITORS_SCHEMA)).not.toThrow();
  });

  it('closes every mapping with additionalProperties: false', () => {
    const open: string[] = [];
    walk(MONITORS_SCHEMA, '#', (node, path) => {
      // `if` conditions and `then`/`oneOf` branches only name properties to test or require them;
      // they sit inside a closed object.
      if (/\/(if|then|oneOf\/\d+)$/.test(path)) return;
      if (node.properties !== undefined && node.additionalProperties !== false) open.push(path);
      if (
        node.type === 'object' &&
        node.properties === undefined &&
        node.additionalProperties === undefined
      ) {
        open.push(path);
      }
    });
    expect(open).toEqual([]);
  });

  it('documents every key of every mapping with a description and examples', () => {
    const missing: string[] = [];
    walk(MONITORS_SCHEMA, '#', (node, path) => {
      if (/\/(then|if|oneOf\/\d+)$/.test(path)) return;
      for (const [key, property] of Object.entries(node.properties ?? {})) {
        if (typeof property !== 'object') continue;
        // `defaults:` re-uses the monitor's documented keys; other refs carry their own docs.
        if (property.$ref?.startsWith('#/$defs/monitor/properties/')) continue;
        const resolved = resolveRef(property)!;
        if (!resolved.description) missing.push(`${path}/properties/${key}: description`);
        if (!resolved.examples?.length) missing.push(`${path}/properties/${key}: examples`);
      }
    });
    expect(missing).toEqual([]);
  });

  it('gives a default to every optional monitor key (name defaults to the id)', () => {
    const monitor = schemaDef('monitor');
    const withoutDefault = Object.entries(monitor.properties ?? {})
      .filter(
        ([key, property]) =>
          typeof property === 'object' && !('default' in property) && !monitor.required?.includes(key),
      )
      .map(([key]) => key);
    expect(withoutDefault).toEqual(['name']);
    for (const nested of ['tls', 'http', 'confirm', 'recover', 'flapping', 'alert']) {
      const object = nested === 'flapping' ? schemaDef('flappingConfig') : schemaAt(monitor, [nested]);
      for (const [key, property] of Object.entries(object?.properties ?? {})) {
        expect(property, `${nested}.${key}`).toHaveProperty('default');
      }
    }
  });

  it('validates its own examples', () => {
    const ajv = createAjv();
    ajv.compile(MONITORS_SCHEMA);
    const id = (MONITORS_SCHEMA as { $id?: string }).$id;
    for (const def of ['monitor', 'assertion', 'maintenanceWindow', 'defaults']) {
      const validate = ajv.getSchema(`${id}#/$defs/${def}`)!;
      for (const example of schemaDef(def).examples ?? []) {
        expect(
          validate(example),
          `${def} example ${JSON.stringify(example)}: ${JSON.stringify(validate.errors)}`,
        ).toBe(true);
      }
    }
  });

  it('uses the same duration grammar as parseDuration', () => {
    const pattern = new RegExp(schemaDef('duration').anyOf![0]!.pattern!, 'u');
    const samples = [
      '0',
      '0s',
      '500ms',
      '30s',
      '1m',
      '2h',
      '1h30m',
      '1m30s500ms',
      '1ms',
      '',
      '1',
      '1d',
      '30m1h',
      '1h1h',
      '1.5s',
      ' 1s',
    ];
    for (const sample of samples) expect(pattern.test(sample), sample).toBe(DURATION_PATTERN.test(sample));
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9hms]{0,8}$/), (text) => {
        expect(pattern.test(text)).toBe(DURATION_PATTERN.test(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('states the duration ranges the rules enforce', () => {
    for (const range of DURATION_RANGES) {
      const schema = schemaAt(
        schemaDef('monitor'),
        range.field.split('.').map((part) => (part === '*' ? 0 : part)),
      );
      const description = schema?.description ?? '';
      const match = /(\d+\w*)\.\.(\d+\w*)/.exec(description);
      expect(match, `${range.field}: "${description}"`).not.toBeNull();
      expect(parseDuration(match![1]!), `${range.field} min`).toBe(range.min);
      expect(parseDuration(match![2]!), `${range.field} max`).toBe(range.max);
      if (range.zeroAllowed && range.min > 0) expect(description).toMatch(/\b0 \(never\) or|\b0 or/);
    }
  });

  it('lists every refused header in the headers description', () => {
    const description = schemaAt(schemaDef('monitor'), ['headers'])?.description ?? '';
    for (const header of FORBIDDEN_HEADERS) expect(description).toContain(header);
  });

  it('provides the documented defaults', () => {
    expect(BUILTIN_DEFAULTS).toEqual({
      method: 'GET',
      interval: 60_000,
      timeout: 15_000,
      follow_redirects: 5,
      tls: { verify: true, expiry_warning_days: 14 },
      http: { version: 'auto' },
      ip: 'auto',
      confirm: { regions: 3 },
      recover: { checks: 3 },
      flapping: { window: 21, low: 25, high: 50 },
      alert: { after: 180_000, remind_every: 1_800_000, recovery_after: 0 },
      paused: false,
      maintenanceTimezone: 'UTC',
    });
  });
});
