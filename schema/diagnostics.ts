// Building, ordering and de-duplicating diagnostics.
import type { DiagnosticCode } from './codes.ts';
import type { Diagnostic } from './types.ts';

/** A key or index on the way from the document root to a value. */
export type PathSegment = string | number;

/** A range in a file, 1-based, end exclusive; all zero when there is no source text. */
export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export const NO_SPAN: Span = { line: 0, column: 0, endLine: 0, endColumn: 0 };

/** `monitors[2].alert.after` from `['monitors', 2, 'alert', 'after']`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

export interface DiagnosticInput {
  file: string;
  span: Span;
  code: DiagnosticCode;
  message: string;
  hint?: string | undefined;
  severity?: 'error' | 'warning';
  path?: readonly PathSegment[] | undefined;
}

export function makeDiagnostic(input: DiagnosticInput): Diagnostic {
  const diagnostic: Diagnostic = {
    file: input.file,
    line: input.span.line,
    column: input.span.column,
    endLine: input.span.endLine,
    endColumn: input.span.endColumn,
    code: input.code,
    message: input.message,
    severity: input.severity ?? 'error',
  };
  if (input.hint !== undefined) diagnostic.hint = input.hint;
  if (input.path !== undefined && input.path.length > 0) diagnostic.path = formatPath(input.path);
  return diagnostic;
}

/** Stable order: by file in the order given, then line, column, code. */
export function sortDiagnostics(diagnostics: Diagnostic[], fileOrder: readonly string[] = []): Diagnostic[] {
  const rank = new Map(fileOrder.map((file, index) => [file, index]));
  return [...diagnostics].sort(
    (a, b) =>
      (rank.get(a.file) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.file) ?? Number.MAX_SAFE_INTEGER) ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.code.localeCompare(b.code) ||
      a.message.localeCompare(b.message),
  );
}

/**
 * One diagnostic per place and problem: a mistake in `defaults:` is found once per monitor that
 * inherits it but reported once. Two problems at one place (two keys missing from one mapping)
 * differ in their message and both stay.
 */
export function dedupeDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}\0${d.line}\0${d.column}\0${d.code}\0${d.path ?? ''}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `1 error`, `3 errors`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
