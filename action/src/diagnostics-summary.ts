// The validation section of the job summary: a verdict line and a table of every diagnostic
// (annotations stop at 10; this table does not, up to a size GitHub accepts).

import { inlineCode, markdownCell, markdownTable } from '../../common/escape.ts';
import type { Diagnostic } from '../../schema/types.ts';
import { plural, repoRelative, sortDiagnostics } from './annotations.ts';

/** Rows beyond this are counted, not listed (a job summary is at most 1 MiB). */
export const SUMMARY_ROW_LIMIT = 1000;

export interface ValidationSummaryInput {
  diagnostics: readonly Diagnostic[];
  monitorCount: number;
  fileCount: number;
  /** The `path` input, for the heading. */
  path: string;
  workspace: string;
  /** `https://github.com/owner/repo/blob/<sha>` to link each row to its line; null = no links. */
  blobUrl: string | null;
}

export function validationSummary(input: ValidationSummaryInput): string {
  const sorted = sortDiagnostics(input.diagnostics);
  const errors = sorted.filter((d) => d.severity !== 'warning').length;
  const warnings = sorted.length - errors;
  const files = new Set(sorted.map((d) => repoRelative(d.file, input.workspace))).size;
  const lines: string[] = [];
  if (errors === 0) {
    const monitors = `${plural(input.monitorCount, 'monitor')} in ${plural(input.fileCount, 'file')}`;
    lines.push(
      `### ✅ Vigil: ${monitors} under ${inlineCode(input.path)} ${input.monitorCount === 1 ? 'is' : 'are'} valid`,
    );
    if (warnings > 0) lines.push('', `${plural(warnings, 'warning')}:`);
  } else {
    const counts = [plural(errors, 'error'), warnings > 0 ? plural(warnings, 'warning') : null]
      .filter(Boolean)
      .join(' and ');
    lines.push(`### ❌ Vigil: ${counts} in ${plural(files, 'file')} under ${inlineCode(input.path)}`);
  }
  if (sorted.length === 0) return `${lines.join('\n')}\n`;
  lines.push('', diagnosticsTable(sorted, input.workspace, input.blobUrl));
  return `${lines.join('\n')}\n`;
}

/** Every diagnostic as a table row (up to SUMMARY_ROW_LIMIT), linked to its line when possible. */
export function diagnosticsTable(
  diagnostics: readonly Diagnostic[],
  workspace: string,
  blobUrl: string | null,
): string {
  const sorted = sortDiagnostics(diagnostics);
  const rows = sorted.slice(0, SUMMARY_ROW_LIMIT).map((d) => {
    const file = d.file === '' ? '' : repoRelative(d.file, workspace);
    const where =
      file === '' ? (d.path ?? '(collector)') : d.line > 0 ? `${file}:${d.line}:${d.column}` : file;
    const anchor = d.line > 0 ? `#L${d.line}` : '';
    const place =
      blobUrl === null
        ? markdownCell(where)
        : `[${markdownCell(where)}](${blobUrl}/${encodePath(file)}${anchor})`;
    const problem = d.hint
      ? `${markdownCell(d.message)}<br>Fix: ${markdownCell(d.hint)}`
      : markdownCell(d.message);
    return [place, d.severity === 'warning' ? '⚠️ warning' : '❌ error', `\`${d.code}\``, problem];
  });
  const lines = [markdownTable(['Where', 'Severity', 'Code', 'Problem'], rows)];
  if (sorted.length > SUMMARY_ROW_LIMIT) {
    lines.push(
      '',
      `…and ${plural(sorted.length - SUMMARY_ROW_LIMIT, 'more problem')} (run \`vigil validate\` locally to see all).`,
    );
  }
  return lines.join('\n');
}

function encodePath(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}
