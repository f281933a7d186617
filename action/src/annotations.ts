// Diagnostics -> GitHub annotations. GitHub shows at most 10 error and 10 warning annotations per
// step, so the first 10 of each are annotated and one notice counts the rest; the job summary
// (diagnostics-summary.ts) lists every one.
import path from 'node:path';
import type { AnnotationProperties } from '@actions/core';
import type { Diagnostic } from '../../schema/types.ts';

export const ANNOTATION_LIMIT = 10;

export interface Annotation {
  kind: 'error' | 'warning' | 'notice';
  message: string;
  properties: AnnotationProperties;
}

/** A diagnostic's file as a path relative to the repository root, with forward slashes. */
export function repoRelative(file: string, workspace: string): string {
  const relative = path.relative(workspace, path.resolve(workspace, file));
  return relative.split(path.sep).join('/');
}

/** Diagnostics sorted the way people read them: by file, then position. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => compare(a.file, b.file) || a.line - b.line || a.column - b.column || compare(a.code, b.code),
  );
}

export function buildAnnotations(diagnostics: readonly Diagnostic[], workspace: string): Annotation[] {
  const sorted = sortDiagnostics(diagnostics);
  const errors = sorted.filter((d) => d.severity !== 'warning');
  const warnings = sorted.filter((d) => d.severity === 'warning');
  const shown = [
    ...errors.slice(0, ANNOTATION_LIMIT).map((d) => toAnnotation('error', d, workspace)),
    ...warnings.slice(0, ANNOTATION_LIMIT).map((d) => toAnnotation('warning', d, workspace)),
  ];
  const hiddenErrors = Math.max(0, errors.length - ANNOTATION_LIMIT);
  const hiddenWarnings = Math.max(0, warnings.length - ANNOTATION_LIMIT);
  if (hiddenErrors + hiddenWarnings > 0) {
    const parts = [
      hiddenErrors > 0 ? plural(hiddenErrors, 'more error') : null,
      hiddenWarnings > 0 ? plural(hiddenWarnings, 'more warning') : null,
    ].filter((p) => p !== null);
    shown.push({
      kind: 'notice',
      message: `${parts.join(' and ')} not annotated here (GitHub shows at most ${ANNOTATION_LIMIT} of each per step); the job summary lists all ${plural(sorted.length, 'problem')}.`,
      properties: { title: 'Vigil: more problems in the job summary' },
    });
  }
  return shown;
}

function toAnnotation(kind: 'error' | 'warning', d: Diagnostic, workspace: string): Annotation {
  const properties: AnnotationProperties = { title: d.code };
  // No file (a problem the collector could not tie to a monitor): an annotation on the run.
  if (d.file === '')
    return { kind, message: d.hint ? `${d.message}\nFix: ${d.hint}` : d.message, properties };
  properties.file = repoRelative(d.file, workspace);
  // Line 0 means "no position" (a file that cannot be read, a folder with no files): annotate
  // the file itself.
  if (d.line > 0) {
    // Diagnostic ends are exclusive (the position after the last character); GitHub's are
    // inclusive. A span ending at column 1 ends on the line before.
    let endLine = Math.max(d.line, d.endLine || d.line);
    if (endLine > d.line && d.endColumn <= 1) endLine -= 1;
    properties.startLine = d.line;
    properties.endLine = endLine;
    // GitHub accepts columns only when the annotation starts and ends on the same line.
    if (endLine === d.line && d.column > 0) {
      properties.startColumn = d.column;
      properties.endColumn = endLine === d.endLine ? Math.max(d.column, d.endColumn - 1) : d.column;
    }
  }
  const message = d.hint ? `${d.message}\nFix: ${d.hint}` : d.message;
  return { kind, message, properties };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
