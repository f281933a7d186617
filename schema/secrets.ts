// Secrets: `${NAME}` in `url`, header values and `body` is filled from the environment of the
// process that plans or applies. The spec keeps the reference; values travel beside it and only
// to the collector and runners. Anything that shows a monitor redacts values back to `${NAME}`.
import type { DiagnosticInput } from './diagnostics.ts';
import { makeDiagnostic, NO_SPAN } from './diagnostics.ts';
import type { Diagnostic, MonitorSpec, Secrets, SourceLocation } from './types.ts';

/** A well-formed reference; NAME is an environment variable name. */
export const SECRET_REF = /\$\{([A-Za-z_][A-Za-z0-9_]{0,127})\}/g;

/** Each `${` that does not start a well-formed reference, as the text a person would look for. */
export function malformedSecretRefs(text: string): string[] {
  const bad: string[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf('${', from);
    if (at === -1) return bad;
    const rest = text.slice(at);
    const good = /^\$\{[A-Za-z_][A-Za-z0-9_]{0,127}\}/.exec(rest);
    if (good === null) {
      const close = rest.indexOf('}');
      bad.push(
        close === -1 || close > 40
          ? `${rest.slice(0, 20)}${rest.length > 20 ? '...' : ''}`
          : rest.slice(0, close + 1),
      );
      from = at + 2;
    } else {
      from = at + good[0].length;
    }
  }
}

/** Names referenced in one text, in order of appearance, each once. */
export function secretNamesIn(text: string): string[] {
  return [...new Set([...text.matchAll(SECRET_REF)].map((match) => match[1] as string))];
}

/** Every reference of a monitor: field (`url`, `headers.<Name>`, `body`) and variable name. */
export function secretRefs(spec: MonitorSpec): Array<{ field: string; name: string }> {
  const refs: Array<{ field: string; name: string }> = [];
  for (const name of secretNamesIn(spec.url)) refs.push({ field: 'url', name });
  for (const [header, value] of Object.entries(spec.headers)) {
    for (const name of secretNamesIn(value)) refs.push({ field: `headers.${header}`, name });
  }
  if (spec.body !== null) for (const name of secretNamesIn(spec.body)) refs.push({ field: 'body', name });
  return refs;
}

/** Replaces each `${NAME}` that has a value; references without one are left as written. */
export function fillSecrets(text: string, secrets: Secrets): string {
  return text.replace(SECRET_REF, (whole, name: string) =>
    Object.hasOwn(secrets, name) ? (secrets[name] as string) : whole,
  );
}

/**
 * Reads every referenced variable from `env`. A variable that is unset or empty is an error
 * naming the monitor, the field and the variable (GitHub Actions passes an unknown secret as an
 * empty string, so empty counts as missing). `sources` places the diagnostic at the monitor.
 */
/** Where each loaded monitor was written, so secret diagnostics point at its file and line. */
export function sourcesOf(
  monitors: readonly { spec: MonitorSpec; source: SourceLocation }[],
): Map<string, SourceLocation> {
  return new Map(monitors.map((m) => [m.spec.id, m.source]));
}

export function collectSecrets(
  specs: readonly MonitorSpec[],
  env: Record<string, string | undefined>,
  sources?: ReadonlyMap<string, SourceLocation>,
): { secrets: Secrets; diagnostics: Diagnostic[] } {
  const secrets: Secrets = {};
  const diagnostics: Diagnostic[] = [];
  for (const spec of specs) {
    for (const { field, name } of secretRefs(spec)) {
      const value = env[name];
      if (value !== undefined && value !== '') {
        secrets[name] = value;
        continue;
      }
      const source = sources?.get(spec.id);
      const input: DiagnosticInput = {
        file: source?.file ?? '',
        span:
          source === undefined
            ? NO_SPAN
            : { line: source.line, column: source.column, endLine: source.line, endColumn: source.column },
        code: 'secret_missing',
        message: `monitor \`${spec.id}\` uses \`\${${name}}\` in \`${field}\`, but the environment variable ${name} is ${
          value === '' ? 'empty' : 'not set'
        }`,
        hint: `set ${name} in the environment (in the GitHub Action: \`env: ${name}: \${{ secrets.${name} }}\`)`,
      };
      diagnostics.push(makeDiagnostic(input));
    }
  }
  return { secrets, diagnostics };
}

/**
 * Replaces every secret value in `text` by its `${NAME}`, longest value first (so a value that
 * contains another is not half-redacted). URL-encoded forms are redacted too, since values end
 * up in query strings and logged URLs.
 */
export function redactSecrets(text: string, secrets: Secrets): string {
  const forms: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(secrets)) {
    if (value === '') continue;
    forms.push([value, name]);
    for (const encoded of [encodeURIComponent(value), encodeURI(value)])
      if (encoded !== value) forms.push([encoded, name]);
  }
  forms.sort((a, b) => b[0].length - a[0].length);
  let result = text;
  for (const [value, name] of forms) result = result.split(value).join(`\${${name}}`);
  return result;
}

/**
 * `value` with every secret value in every string (object keys too) put back as `${NAME}`: the
 * one redaction of checks, response logs and outbox messages before they are stored or sent.
 */
export function redactDeep<T>(value: T, secrets: Secrets): T {
  if (Object.keys(secrets).length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactSecrets(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) out[redactSecrets(k, secrets)] = walk(inner);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
