// The JSON Schema side of validation: monitors.schema.json compiled once with ajv (strict mode,
// all errors, formats), for a whole file or for one monitor of a sync request.

import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import schemaJson from './monitors.schema.json' with { type: 'json' };

/** The schema document as data (for the translator's look-ups and the README reference). */
export const MONITORS_SCHEMA = schemaJson as unknown as JsonSchema;

export type JsonSchema = {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string;
  description?: string;
  default?: unknown;
  examples?: unknown[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  uniqueItems?: boolean;
  required?: string[];
  properties?: Record<string, JsonSchema | boolean>;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

/**
 * A fresh ajv instance set up as Vigil uses it: JSON Schema 2020-12, strict. `explain` collects
 * every error with its parentSchema (which the translator uses to know which definition, such as
 * duration, id or url, an error belongs to); without it ajv stops at the first error, which is
 * several times faster for the common case of valid input.
 */
export function createAjv(explain = true) {
  const ajv = new Ajv2020.default({ allErrors: explain, strict: true, verbose: explain });
  addFormats.default(ajv, ['date-time']);
  return ajv;
}

interface Validators {
  file: ValidateFunction;
  monitor: ValidateFunction;
}
/** Quick validators answer yes/no; explaining ones (compiled when first needed) run on failures. */
let quick: Validators | undefined;
let explaining: Validators | undefined;

function compile(explain: boolean): Validators {
  const ajv = createAjv(explain);
  const file = ajv.compile(MONITORS_SCHEMA);
  const monitor = ajv.getSchema(`${schemaId()}#/$defs/monitor`);
  if (monitor === undefined) throw new Error('monitors.schema.json has no $defs/monitor');
  return { file, monitor };
}

function check(kind: keyof Validators, value: unknown): ErrorObject[] {
  quick ??= compile(false);
  if (quick[kind](value)) return [];
  explaining ??= compile(true);
  const validate = explaining[kind];
  return validate(value) ? [] : [...(validate.errors ?? [])];
}

function schemaId(): string {
  return (schemaJson as { $id: string }).$id;
}

/**
 * Errors of a whole monitor file (the parsed YAML), or [] when it matches the schema. A file that
 * fails is explained one monitor at a time: ajv gathers a referenced schema's errors with
 * `concat`, so one call over thousands of failing monitors is quadratic in the errors.
 */
export function checkFileShape(value: unknown): ErrorObject[] {
  quick ??= compile(false);
  if (quick.file(value)) return [];
  const monitors = (value as { monitors?: unknown } | null)?.monitors;
  if (!Array.isArray(monitors)) return check('file', value);
  const errors = check('file', { ...(value as object), monitors: [] });
  monitors.forEach((monitor, index) => {
    for (const error of check('monitor', monitor))
      errors.push({ ...error, instancePath: `/monitors/${index}${error.instancePath}` });
  });
  return errors;
}

/** Errors of one monitor in the language's form, or [] when it matches the schema. */
export function checkMonitorShape(value: unknown): ErrorObject[] {
  return check('monitor', value);
}

/** A `$defs` entry by name. */
export function schemaDef(name: string): JsonSchema {
  const def = MONITORS_SCHEMA.$defs?.[name];
  if (def === undefined) throw new Error(`monitors.schema.json has no $defs/${name}`);
  return def;
}

/** The name of the `$defs` entry that is exactly this schema object, if any. */
export function defNameOf(schema: unknown): string | undefined {
  for (const [name, def] of Object.entries(MONITORS_SCHEMA.$defs ?? {})) if (def === schema) return name;
  return undefined;
}

/** The schema object a local `$ref` points to (the object itself, for identity checks). */
export function refTarget(ref: string): JsonSchema | undefined {
  let target: unknown = MONITORS_SCHEMA;
  for (const part of ref.replace(/^#\//, '').split('/'))
    target = (target as Record<string, unknown> | undefined)?.[part];
  return target as JsonSchema | undefined;
}

/** Follows `$ref` (local JSON pointers only, which is all the schema uses). */
export function resolveRef(schema: JsonSchema | boolean | undefined): JsonSchema | undefined {
  let current = schema;
  for (let hops = 0; hops < 10 && typeof current === 'object' && current.$ref !== undefined; hops++) {
    const target = refTarget(current.$ref);
    // Keywords beside $ref (description, default, examples) win over the target's.
    const { $ref: _ref, ...siblings } = current;
    current = { ...(target as JsonSchema), ...siblings };
  }
  return typeof current === 'object' ? current : undefined;
}

/**
 * The schema describing the value at `path` below `root`, following properties, items,
 * additionalProperties, $ref and the branches of anyOf/oneOf. For hints and the reference.
 */
export function schemaAt(root: JsonSchema, path: ReadonlyArray<string | number>): JsonSchema | undefined {
  let current = resolveRef(root);
  for (const segment of path) {
    if (current === undefined) return undefined;
    current = stepInto(current, segment);
  }
  return current;
}

function stepInto(schema: JsonSchema, segment: string | number): JsonSchema | undefined {
  const direct =
    typeof segment === 'number'
      ? schema.items
      : (schema.properties?.[segment] ??
        (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined));
  if (direct !== undefined && direct !== true && direct !== false) return resolveRef(direct);
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    const resolved = resolveRef(branch);
    const found = resolved === undefined ? undefined : stepInto(resolved, segment);
    if (found !== undefined) return found;
  }
  return undefined;
}
