// Words for values and paths in messages: how a person refers to what they wrote.
import type { PathSegment } from './diagnostics.ts';
import { formatPath } from './diagnostics.ts';

/** The YAML kind of a value: mapping, list, string, number, boolean, null. */
export function kindOf(value: unknown): 'mapping' | 'list' | 'string' | 'number' | 'boolean' | 'null' {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  return 'boolean';
}

/** `a string`, `a list`... with the article. */
export function kindWithArticle(kind: string): string {
  if (kind === 'null') return 'nothing (null)';
  if (kind === 'integer') return 'a whole number';
  if (kind === 'object') return 'a mapping';
  if (kind === 'array') return 'a list';
  if (kind === 'boolean') return 'true or false';
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/** A value quoted for a message: `FETCH`, `60`, a list, a mapping. */
export function show(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return typeof value === 'string' && value === '' ? 'an empty string' : `\`${short}\``;
}

/** The kind of a value with the value itself for scalars: `the number 60`, `the string "no"`. */
export function describeValue(value: unknown): string {
  const kind = kindOf(value);
  if (kind === 'mapping' || kind === 'list') return kindWithArticle(kind);
  if (kind === 'null') return 'nothing (null)';
  if (kind === 'string') return `the string ${show(value)}`;
  return `the ${kind} ${show(value)}`;
}

/**
 * How a message names the place of a value: `interval`, `alert.after`, `defaults.timeout`,
 * `monitor `api``, `the file`. Paths inside a monitor drop the `monitors[3].` prefix because the
 * diagnostic's position already says which monitor it is.
 */
export function fieldLabel(path: readonly PathSegment[], root?: unknown): string {
  if (path.length === 0) return 'the file';
  if (path[0] === 'monitors' && typeof path[1] === 'number') {
    const rest = path.slice(2);
    if (rest.length === 0) {
      const id = monitorId(root, path[1]);
      return id === undefined ? `monitor #${path[1] + 1}` : `monitor \`${id}\``;
    }
    return `\`${formatPath(rest)}\``;
  }
  return `\`${formatPath(path)}\``;
}

function monitorId(root: unknown, index: number): string | undefined {
  const monitors = (root as { monitors?: unknown } | null)?.monitors;
  if (!Array.isArray(monitors)) return undefined;
  const id = (monitors[index] as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
