// The wording of schema findings that need more than the error itself: unknown keys (with the
// closest known key and where a misplaced key belongs), pattern mismatches (what the pattern
// means, in words) and type mismatches (what was given, an example of what is expected).
import { fieldLabel, kindWithArticle, show } from './describe.ts';
import type { PathSegment } from './diagnostics.ts';
import { defNameOf, type JsonSchema, MONITORS_SCHEMA, resolveRef } from './schema-check.ts';
import type { AjvError, Finding, TranslateContext } from './schema-errors.ts';
import { closest } from './suggest.ts';

export function unknownKey(
  key: string,
  path: PathSegment[],
  parent: JsonSchema,
  ctx: TranslateContext,
): Finding {
  const allowed = Object.keys(parent.properties ?? {});
  const suggestion = closest(key, allowed);
  const where = path.slice(0, -1);
  const inDefaults = where[0] === 'defaults' && where.length === 1;
  const atRoot = where.length === 0;
  const monitorKeys = Object.keys(resolveRef(MONITORS_SCHEMA.$defs?.monitor)?.properties ?? {});
  let hint: string;
  if (key === '<<') {
    hint = 'YAML merge keys are not supported; put shared settings under `defaults:`';
  } else if (suggestion !== null) {
    hint = `write \`${suggestion}\``;
  } else if (inDefaults && monitorKeys.includes(key)) {
    hint = `\`${key}\` cannot have a default; set it on each monitor`;
  } else if (atRoot && monitorKeys.includes(key)) {
    hint = allowed.includes('defaults')
      ? `\`${key}\` belongs to a monitor; put it under \`defaults:\` to apply it to every monitor of this file, or inside one monitor`
      : `\`${key}\` belongs inside a monitor`;
  } else {
    hint = homeOf(key) ?? `valid keys here: ${allowed.map((k) => `\`${k}\``).join(', ')}`;
  }
  const place = atRoot ? 'at the top of the file' : `in ${fieldLabel(where, ctx.root)}`;
  return {
    code: 'unknown_key',
    message: `unknown key \`${key}\` ${place}${suggestion !== null ? `; did you mean \`${suggestion}\`?` : ''}`,
    hint,
    path,
    part: 'key',
  };
}

/** For a key that is valid somewhere else in a monitor: where it belongs, as a hint. */
function homeOf(key: string): string | undefined {
  const monitor = resolveRef(MONITORS_SCHEMA.$defs?.monitor);
  for (const [name, property] of Object.entries(monitor?.properties ?? {})) {
    const resolved = resolveRef(property);
    const nested = [resolved, ...(resolved?.anyOf ?? []).map(resolveRef)];
    for (const candidate of nested) {
      if (candidate?.properties !== undefined && key in candidate.properties)
        return `\`${key}\` belongs under \`${name}:\``;
      const items = resolveRef(candidate?.items);
      if (items?.properties !== undefined && key in items.properties) {
        return `\`${key}\` belongs inside each entry of \`${name}:\``;
      }
    }
  }
  return undefined;
}

export function patternFinding(
  error: AjvError,
  path: PathSegment[],
  local: PathSegment[],
  ctx: TranslateContext,
): Finding {
  const def = defNameOf(error.parentSchema);
  if (error.propertyName !== undefined) {
    // A header name (propertyNames of `headers`).
    const name = error.propertyName;
    const fixed = name.replace(/[^!#$%&'*+.^_`|~0-9A-Za-z-]+/g, '-').replace(/^-+|-+$/g, '');
    return {
      code: 'invalid_header_name',
      message: `header name \`${name}\` may only hold letters, digits and !#$%&'*+-.^_\`|~`,
      hint: fixed !== '' && fixed !== name ? `write \`${fixed}\`` : 'remove the spaces or other characters',
      path: [...path, name],
      part: 'key',
    };
  }
  const label = fieldLabel(path, ctx.root);
  const value = String(error.data);
  if (def === 'id') {
    const slug = value
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63);
    return {
      code: 'invalid_id',
      message: `${label} ${show(value)} must be 1 to 63 lower-case letters, digits and \`-\`, starting with a letter or digit`,
      hint: slug !== '' && slug !== value ? `write \`${slug}\`` : 'use lower-case letters, digits and `-`',
      path,
      part: 'value',
    };
  }
  if (def === 'url') {
    if (/\s/.test(value)) {
      return {
        code: 'invalid_url',
        message: `${label} contains whitespace`,
        hint: 'encode spaces as `%20` and remove line breaks',
        path,
        part: 'value',
      };
    }
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(value)?.[1];
    return {
      code: 'url_scheme',
      message: `${label} must start with http:// or https://; got ${show(value)}`,
      hint:
        scheme !== undefined && !value.startsWith('$')
          ? `Vigil probes HTTP and HTTPS only; \`${scheme}:\` URLs cannot be monitored`
          : value.startsWith('$')
            ? 'write the scheme and host out; a secret may fill the credentials, path, query or port'
            : `write \`https://${value.replace(/^\/+/, '')}\``,
      path,
      part: 'value',
    };
  }
  if (local.at(-1) === 'path' && local.at(-3) === 'assertions') {
    return {
      code: 'invalid_jsonpath',
      message: `${label} must be a JSONPath starting with \`$\`; got ${show(value)}`,
      hint: `write \`$.${value.replace(/^\.+/, '')}\``,
      path,
      part: 'value',
    };
  }
  if (
    def === undefined &&
    typeof error.parentSchema?.pattern === 'string' &&
    error.parentSchema.pattern.includes('\\r')
  ) {
    return {
      code: 'invalid_format',
      message: `${label} must be a single line`,
      hint: 'remove the line breaks; header values cannot span lines',
      path,
      part: 'value',
    };
  }
  const expectation = error.parentSchema?.description ?? 'the form described in the reference';
  const noun = def === undefined ? undefined : PATTERN_NOUNS[def];
  const slug = value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const suggestSlug = (def === 'regionName' || def === 'sinkName') && slug !== '' && slug !== value;
  return {
    code: 'invalid_format',
    message: `${label} ${show(value)} ${noun === undefined ? 'does not have the required form' : `is not a valid ${noun}`}`,
    hint: suggestSlug ? `write \`${slug}\`` : `expected: ${lowerFirst(expectation).replace(/\.$/, '')}`,
    path,
    part: 'value',
  };
}

const PATTERN_NOUNS: Record<string, string> = {
  regionName: 'region name',
  githubLogin: 'GitHub user name',
  mention: 'GitHub user or team mention',
  sinkName: 'sink name',
};

export function typeHint(
  expected: string,
  value: unknown,
  source: string | undefined,
  path: PathSegment[],
): string {
  const key = String(path.at(-1) ?? 'key');
  if (expected === 'boolean' && typeof value === 'string') {
    return /^(?:yes|no|on|off|y|n)$/i.test(value)
      ? `YAML 1.2 reads \`${value}\` as text; write \`true\` or \`false\``
      : 'write `true` or `false`';
  }
  if (expected === 'string' && value === null)
    return `write a value after \`${key}:\` (\`""\` for an empty one)`;
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    return `quote it: \`"${source ?? String(value)}"\``;
  }
  if (expected === 'array') {
    return typeof value === 'string' || typeof value === 'number'
      ? `write a list: \`${key}: [${source ?? JSON.stringify(value)}]\``
      : `write a list, one \`- entry\` per line under \`${key}:\``;
  }
  if (expected === 'object' && typeof path.at(-1) === 'number' && path.at(-2) === 'monitors') {
    return 'write each monitor as a mapping: `- id: homepage` with `url: https://example.com/` indented under it';
  }
  if (expected === 'object' && typeof path.at(-1) === 'number') {
    return 'write each entry as a mapping of `key: value` pairs';
  }
  if (expected === 'object') {
    return value === null
      ? `indent the entries of \`${key}\` under it, or remove the empty key`
      : `write a mapping: \`key: value\` entries indented under \`${key}:\``;
  }
  if (
    (expected === 'integer' || expected === 'number') &&
    typeof value === 'string' &&
    /^-?\d+(\.\d+)?$/.test(value)
  ) {
    return 'remove the quotes';
  }
  if (expected === 'integer' && typeof value === 'number')
    return `write a whole number such as \`${Math.round(value)}\``;
  return `write ${kindWithArticle(expected)}`;
}

/** A scalar example to show after `key:`; undefined for lists and mappings (too long inline). */
export function exampleFor(property: JsonSchema | undefined): string | undefined {
  const example = property?.examples?.[0];
  if (example === undefined || (example !== null && typeof example === 'object')) return undefined;
  if (typeof example === 'string') return /^[\w./:@-]+$/.test(example) ? example : JSON.stringify(example);
  return String(example);
}

export function hintFromDescription(schema: JsonSchema | undefined): string | undefined {
  const sentence = firstSentence(schema?.description);
  return sentence === undefined ? undefined : `expected: ${lowerFirst(sentence)}`;
}

/** The first sentence of a description (a `.` or `;` before a space; `e.g.` does not count). */
export function firstSentence(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const match = /^(.+?)(?<!\be\.g|\bi\.e)[.;:](?:\s|$)/.exec(text);
  return (match?.[1] ?? text).replace(/[.;]$/, '');
}

export function lowerFirst(text: string): string {
  return /^[A-Z](?:[a-z]|\s)/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

export function joinOr(items: string[]): string {
  const unique = [...new Set(items)];
  return unique.length <= 1 ? (unique[0] ?? '') : `${unique.slice(0, -1).join(', ')} or ${unique.at(-1)}`;
}
