// `vigil validate [paths...] [--format text|json]`: check monitor files and point at every
// mistake. Text output is GNU style (`file:line:col: error CODE: message`, clickable in editors
// and terminals) with the source line and a fix; JSON output is the diagnostics as data.
// Exit 0 when valid (warnings allowed), 1 when any file has an error, 2 for a usage error
// (a bad flag, a path that does not exist, a folder without monitor files).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import process from 'node:process';
import { plural } from '../../schema/diagnostics.ts';
import { loadMonitorFiles } from '../../schema/load.ts';
import type { Diagnostic } from '../../schema/types.ts';
import { parseCommandArgs, USAGE_EXIT, UsageError } from '../usage.ts';

const HELP = `usage: vigil validate [paths...] [--format text|json]

Check monitor files and point at every mistake. Folders are searched for *.yml and *.yaml.

  paths            files or folders to check (default: monitors/)
  --format <f>     text (default): one \`file:line:col: error CODE: message\` line per problem,
                   the source line and a hint, then a summary; json: the diagnostics as JSON
  -h, --help       show this help

Exit status: 0 valid, 1 a file has an error, 2 usage error (bad flag, missing path, no files).
`;

/** Codes that mean the command was pointed at the wrong place rather than at bad monitors. */
const USAGE_CODES = new Set(['path_not_found', 'no_files']);

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    format: { type: 'string', default: 'text' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const format = values.format;
  if (format !== 'text' && format !== 'json') {
    throw new UsageError(`--format must be text or json, not \`${format}\``);
  }
  const paths = positionals.length > 0 ? positionals : ['monitors/'];
  const result = await loadMonitorFiles(paths);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
  const code = result.diagnostics.some((d) => USAGE_CODES.has(d.code))
    ? USAGE_EXIT
    : errors.length > 0
      ? 1
      : 0;

  if (format === 'json') {
    const report = {
      valid: errors.length === 0,
      files: result.files,
      monitors: result.monitors.length,
      errors: errors.length,
      warnings: warnings.length,
      diagnostics: result.diagnostics,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return code;
  }

  const sources = new Map<string, string[] | null>();
  const out: string[] = [];
  for (const diagnostic of result.diagnostics) {
    out.push(...(await renderDiagnostic(diagnostic, sources)));
  }
  out.push(summary(result.files.length, result.monitors.length, errors, warnings));
  process.stdout.write(`${out.join('\n')}\n`);
  return code;
}

async function renderDiagnostic(d: Diagnostic, sources: Map<string, string[] | null>): Promise<string[]> {
  const place = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const lines = [`${place}: ${d.severity} ${d.code}: ${d.message}`];
  const frame = d.line > 0 ? await codeFrame(d, sources) : [];
  lines.push(...frame);
  if (d.hint !== undefined) lines.push(`  hint: ${d.hint}`);
  return lines;
}

/** The offending source line with a caret underline, like a compiler. */
async function codeFrame(d: Diagnostic, sources: Map<string, string[] | null>): Promise<string[]> {
  if (!sources.has(d.file)) {
    const text = await readFile(resolve(d.file), 'utf8').catch(() => null);
    sources.set(d.file, text === null ? null : text.replace(/^\uFEFF/, '').split(/\r?\n/));
  }
  const line = sources.get(d.file)?.[d.line - 1];
  if (line === undefined || line.length > 300) return [];
  const gutter = String(d.line).length;
  const width =
    d.endLine === d.line ? Math.max(1, d.endColumn - d.column) : Math.max(1, line.length - d.column + 1);
  const shown = line.replace(/\t/g, ' ');
  return [
    `  ${String(d.line).padStart(gutter)} | ${shown}`,
    `  ${' '.repeat(gutter)} | ${' '.repeat(Math.max(0, d.column - 1))}${'^'.repeat(width)}`,
  ];
}

function summary(
  fileCount: number,
  monitorCount: number,
  errors: Diagnostic[],
  warnings: Diagnostic[],
): string {
  const warned = warnings.length > 0 ? ` (${plural(warnings.length, 'warning')})` : '';
  if (errors.length === 0) {
    const verb = monitorCount === 1 ? 'is' : 'are';
    return `${plural(monitorCount, 'monitor')} in ${plural(fileCount, 'file')} ${verb} valid${warned}`;
  }
  const filesWithErrors = new Set(errors.map((d) => d.file)).size;
  return `${plural(errors.length, 'error')} in ${plural(filesWithErrors, 'file')}${warned}`;
}
