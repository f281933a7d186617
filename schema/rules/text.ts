// Every text a monitor carries (values and keys, at any depth) must be Unicode: a lone UTF-16
// surrogate, which a YAML or JSON `\ud800` escape can make, is refused at its place. PostgreSQL
// cannot store one and GitHub would get mojibake; replacing it quietly would change the monitor
// behind its author's back, so the author is told instead.
import type { PathSegment } from '../diagnostics.ts';
import type { MonitorRule, Report } from './context.ts';

/** `isWellFormed` is false exactly when the string holds a surrogate without its other half. */
function hasLoneSurrogate(text: string): boolean {
  return !text.isWellFormed();
}

function label(path: readonly PathSegment[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function walk(value: unknown, path: PathSegment[], report: Report): void {
  if (typeof value === 'string') {
    if (hasLoneSurrogate(value)) {
      report({
        code: 'invalid_text',
        path,
        message: `\`${label(path)}\` holds a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape)`,
        hint: 'write the character itself, or both halves of its surrogate pair',
      });
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) walk(item, [...path, index], report);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (hasLoneSurrogate(key)) {
        report({
          code: 'invalid_text',
          path: [...path, key],
          part: 'key',
          message: `a key in \`${label(path) || 'the monitor'}\` holds a lone UTF-16 surrogate`,
          hint: 'write the character itself, or both halves of its surrogate pair',
        });
      }
      walk(item, [...path, key], report);
    }
  }
}

export const checkText: MonitorRule = (monitor, report) => {
  for (const [key, value] of Object.entries(monitor)) walk(value, [key], report);
};
