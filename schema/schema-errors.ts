// Turning ajv's errors into diagnostics written for people. ajv reports every failing keyword,
// including each branch of an anyOf; this module picks the branch the user meant, points at the
// key or value at fault, and says what to write instead. Raw ajv messages never reach the user.
import type { ErrorObject } from 'ajv';
import type { DiagnosticCode } from './codes.ts';
import { describeValue, fieldLabel, kindOf, kindWithArticle, show } from './describe.ts';
import type { PathSegment } from './diagnostics.ts';
import { suggestDuration } from './duration.ts';
import type { Locator } from './locator.ts';
import { valueAt } from './locator.ts';
import {
  defNameOf,
  isGeneratedSchema,
  type JsonSchema,
  refTarget,
  resolveRef,
  schemaAt,
} from './schema-check.ts';
import {
  exampleFor,
  firstSentence,
  hintFromDescription,
  joinOr,
  lowerFirst,
  patternFinding,
  typeHint,
  unknownKey,
} from './schema-hints.ts';
import { closest } from './suggest.ts';

/** A diagnostic before it is given its file: code, message, hint and the path it points at. */
export interface Finding {
  code: DiagnosticCode;
  message: string;
  hint: string;
  /** Full path from the document root (for the span and for blaming a monitor). */
  path: PathSegment[];
  part: 'key' | 'value';
  severity?: 'error' | 'warning';
}

export interface TranslateContext {
  /** The data that was validated. */
  data: unknown;
  /** The schema it was validated against (the file schema or the monitor definition). */
  schema: JsonSchema;
  /** Path of `data` inside the whole document (`['monitors', 3]` for a sync entry). */
  prefix: PathSegment[];
  /** The whole document, for labels (monitor ids). */
  root: unknown;
  locator: Locator;
}

export type AjvError = ErrorObject & { parentSchema?: JsonSchema; propertyName?: string };

export function translateSchemaErrors(errors: readonly ErrorObject[], ctx: TranslateContext): Finding[] {
  // Range patterns, timeout buckets and the other generated parts are for editors; the rules say
  // the same in words. The schema's only `false` subschema (refused header names) is generated.
  const remaining = selectBranches(
    (errors as AjvError[]).filter(
      (error) => !isGeneratedSchema(error.parentSchema) && error.keyword !== 'false schema',
    ),
  );
  const findings: Finding[] = [];
  for (const error of remaining) {
    const finding = translateOne(error, ctx);
    if (finding !== undefined) findings.push(finding);
  }
  return findings;
}

/** JSON pointer of an ajv error to path segments (numbers for list indexes). */
function segmentsOf(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let current = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment: PathSegment = Array.isArray(current) && /^\d+$/.test(key) ? Number(key) : key;
    segments.push(segment);
    current = valueAt(current, [segment]);
  }
  return segments;
}

/**
 * Resolves anyOf/oneOf: keep the errors of the branch whose type matches the value (a mapping
 * given to `flapping` is judged against the mapping branch), or replace them all by one
 * wrong_type finding when no branch has the value's type. Durations and maintenance windows have
 * their own handling below.
 *
 * A branch's own errors are found by identity: ajv's `parentSchema` of an error at the
 * combinator's instance path is the branch object (or the definition a `$ref` branch points to).
 * schemaPath cannot be used for this: it is relative to whichever function ajv compiled.
 */
function selectBranches(errors: AjvError[]): AjvError[] {
  const dropped = new Set<AjvError>();
  const synthetic: AjvError[] = [];
  const combinators = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .sort((a, b) => a.instancePath.length - b.instancePath.length);
  for (const combinator of combinators) {
    dropped.add(combinator);
    const raw = (combinator.parentSchema?.[combinator.keyword as 'anyOf' | 'oneOf'] ?? []) as JsonSchema[];
    const targets = raw.map((branch) => (branch.$ref !== undefined ? refTarget(branch.$ref) : branch));
    const belongsTo = (e: AjvError, index: number) =>
      e.instancePath === combinator.instancePath &&
      (e.parentSchema === raw[index] || e.parentSchema === targets[index]);
    const ofBranches = (indexes: number[]) => errors.filter((e) => indexes.some((i) => belongsTo(e, i)));
    const all = raw.map((_, i) => i);
    const def = defNameOf(combinator.parentSchema);
    if (def === 'maintenanceWindow') {
      // Which of start/end and cron/duration is missing or mixed is said by the maintenance rule.
      for (const e of ofBranches(all)) dropped.add(e);
      continue;
    }
    if (def === 'duration') {
      for (const e of ofBranches(all)) dropped.add(e);
      synthetic.push({ ...combinator, keyword: 'x-duration' });
      continue;
    }
    const value = combinator.data;
    const matching = all.filter((i) => {
      const branch = resolveRef(raw[i]);
      return branch !== undefined && typeMatches(branch, value);
    });
    if (matching.length === 1) {
      for (const e of ofBranches(all.filter((i) => i !== matching[0]))) dropped.add(e);
      continue;
    }
    for (const e of ofBranches(all)) dropped.add(e);
    synthetic.push({
      ...combinator,
      keyword: 'x-type',
      params: { kinds: raw.map((b) => branchKind(resolveRef(b))) },
    });
  }
  return [...errors.filter((e) => !dropped.has(e)), ...synthetic];
}

function typeMatches(branch: JsonSchema, value: unknown): boolean {
  if ('const' in branch) return branch.const === value;
  const kind = kindOf(value);
  switch (branch.type) {
    case 'object':
      return kind === 'mapping';
    case 'array':
      return kind === 'list';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return kind === 'number';
    case 'string':
    case 'boolean':
    case 'null':
      return kind === branch.type;
    default:
      return false;
  }
}

function branchKind(branch: JsonSchema | undefined): string {
  if (branch === undefined) return 'something else';
  if ('const' in branch) return `\`${JSON.stringify(branch.const)}\``;
  return kindWithArticle(branch.type ?? 'value');
}

function translateOne(error: AjvError, ctx: TranslateContext): Finding | undefined {
  const local = segmentsOf(error.instancePath, ctx.data);
  const path = [...ctx.prefix, ...local];
  const label = fieldLabel(path, ctx.root);
  const value = error.data;
  const parent = error.parentSchema ?? {};
  const at = (
    code: DiagnosticCode,
    message: string,
    hint: string,
    where = path,
    part: 'key' | 'value' = 'value',
  ) => ({ code, message, hint, path: where, part }) satisfies Finding;

  switch (error.keyword) {
    case 'if':
    case 'propertyNames':
      // `if` only says a `then` failed (reported on its own); propertyNames is reported through
      // the nested error that carries the offending name.
      return undefined;
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      return unknownKey(key, [...path, key], parent, ctx);
    }
    case 'required': {
      const key = String(error.params.missingProperty);
      const property = schemaAt(ctx.schema, [...local, key]);
      const example = exampleFor(property);
      const what = path.length === 0 ? 'the file' : label;
      const explain = firstSentence(property?.description);
      return at(
        'missing_key',
        `${what} is missing the required key \`${key}\``,
        `add \`${key}:${example === undefined ? '' : ` ${example}`}\`${explain ? ` (${lowerFirst(explain)})` : ''}`,
      );
    }
    case 'type': {
      const expected = String(error.params.type);
      return at(
        'wrong_type',
        `${label} must be ${kindWithArticle(expected)}; got ${describeValue(value)}`,
        typeHint(expected, value, ctx.locator.sourceText(path), path),
      );
    }
    case 'x-type': {
      const kinds = (error.params as { kinds: string[] }).kinds;
      return at(
        'wrong_type',
        `${label} must be ${joinOr(kinds)}; got ${describeValue(value)}`,
        hintFromDescription(schemaAt(ctx.schema, local)) ??
          'see the monitor language reference in the README',
      );
    }
    case 'x-duration': {
      const suggestion = suggestDuration(value);
      return at(
        'invalid_duration',
        `${label} must be a duration like \`30s\`, \`1m\` or \`1h30m\`; got ${describeValue(value)}`,
        suggestion === null
          ? 'write whole numbers with units h, m, s, ms, largest first (`1h30m`), or `0`'
          : `write \`${suggestion}\``,
      );
    }
    case 'enum':
    case 'const': {
      const allowed = (
        error.keyword === 'enum' ? (error.params.allowedValues as unknown[]) : [error.params.allowedValue]
      )
        // `http.version` also takes 2 and 1.1 as numbers; list each choice once.

        .filter((choice, _index, all) => typeof choice === 'string' || !all.includes(String(choice)));
      const suggestion =
        typeof value === 'string' || typeof value === 'number'
          ? closest(String(value), allowed.map(String))
          : null;
      const unquote =
        typeof value === 'string' &&
        allowed.some((choice) => typeof choice === 'number' && String(choice) === value);
      return at(
        'invalid_value',
        `${label} must be one of ${allowed.map((choice) => `\`${choice}\``).join(', ')}; got ${show(value)}${
          suggestion !== null && suggestion !== String(value) ? `; did you mean \`${suggestion}\`?` : ''
        }`,
        unquote
          ? `write ${value} without quotes`
          : suggestion !== null
            ? `write \`${suggestion}\``
            : (hintFromDescription(schemaAt(ctx.schema, local)) ?? `use one of ${allowed.join(', ')}`),
      );
    }
    case 'pattern':
      return patternFinding(error, path, local, ctx);
    case 'format':
      return at(
        'invalid_format',
        `${label} must be an ISO 8601 date-time with a time zone, like \`2025-06-01T02:00:00Z\`; got ${show(value)}`,
        'write date, `T`, time and a zone: `2025-06-01T02:00:00Z` or `2025-06-01T04:00:00+02:00`',
      );
    case 'minimum':
    case 'maximum': {
      const { minimum, maximum } = parent;
      return at(
        'out_of_range',
        `${label} must be ${error.keyword === 'minimum' ? `at least ${minimum}` : `at most ${maximum}`}; got ${show(value)}`,
        `use a whole number from ${minimum ?? 0} to ${maximum ?? 'any'}`,
      );
    }
    case 'minLength':
      return at(
        'empty_value',
        `${label} must not be empty`,
        hintFromDescription(parent) ?? 'write a value or remove the key',
      );
    case 'maxLength':
      return at(
        'too_long',
        `${label} is ${(value as string).length} characters long; at most ${error.params.limit} are allowed`,
        'shorten it',
      );
    case 'minItems':
      return at(
        'empty_list',
        `${label} is an empty list`,
        local.at(-1) === 'regions'
          ? 'list at least one region, or remove `regions` to probe from every region'
          : 'add at least one entry, or remove the key',
        path,
        'key',
      );
    case 'maxItems':
    case 'maxProperties': {
      const count = Array.isArray(value) ? value.length : Object.keys(value as object).length;
      return at(
        'too_many_items',
        `${label} has ${count} entries; at most ${error.params.limit} are allowed`,
        `remove ${count - Number(error.params.limit)} of them`,
        path,
        'key',
      );
    }
    case 'uniqueItems': {
      const later = Math.max(Number(error.params.i), Number(error.params.j));
      const earlier = Math.min(Number(error.params.i), Number(error.params.j));
      return at(
        'duplicate_item',
        `${label} lists ${show((value as unknown[])[later])} twice (entries ${earlier + 1} and ${later + 1})`,
        'remove the second one',
        [...path, later],
      );
    }
    default:
      return at(
        'invalid_value',
        `${label} is not valid here`,
        hintFromDescription(schemaAt(ctx.schema, local)) ??
          'see the monitor language reference in the README',
      );
  }
}
