// Loading monitor files: walk the given paths for *.yml/*.yaml, read and parse each file,
// validate everything (schema, rules, ids across files) and normalize the monitors that have no
// error. Every problem of every file is collected before anything is returned.
import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import {
  CheckedDocument,
  checkAcrossDocuments,
  registerMonitors,
  runDocumentRules,
  validSpecs,
} from './check-document.ts';
import { dedupeDiagnostics, makeDiagnostic, NO_SPAN, sortDiagnostics } from './diagnostics.ts';
import { type ReadOutcome, readMonitorFile } from './read-file.ts';
import { checkFileShape, MONITORS_SCHEMA } from './schema-check.ts';
import { translateSchemaErrors } from './schema-errors.ts';
import type { Diagnostic, MonitorSpec, SourceLocation } from './types.ts';
import { parseMonitorYaml } from './yaml-source.ts';

export interface LoadResult {
  /** Monitors without errors, normalized, in file order. */
  monitors: Array<{ spec: MonitorSpec; source: SourceLocation }>;
  /** Errors and warnings of every file, sorted by file, line, column. */
  diagnostics: Diagnostic[];
  /** Every file read, as paths relative to how they were given. */
  files: string[];
}

export interface LoadOptions {
  /** Base for relative paths; default process.cwd(). */
  cwd?: string;
}

const MONITOR_FILE = /\.ya?ml$/i;

export async function loadMonitorFiles(paths: string[], options: LoadOptions = {}): Promise<LoadResult> {
  const cwd = options.cwd ?? process.cwd();
  const { files, diagnostics } = await collectFiles(paths, cwd);
  const sources: MonitorSource[] = [];
  for (const file of files) sources.push({ file, read: await readMonitorFile(resolve(cwd, file)) });
  const loaded = loadMonitorSources(sources);
  for (const diagnostic of loaded.diagnostics) diagnostics.push(diagnostic);
  return { ...loaded, diagnostics: sortDiagnostics(dedupeDiagnostics(diagnostics), files) };
}

/** One file as read (readMonitorFile, or decodeMonitorText for bytes held in memory). */
export interface MonitorSource {
  file: string;
  read: ReadOutcome;
}

/**
 * The in-memory half of loadMonitorFiles: files already read are checked, across files too, and
 * normalized. Synchronous; the YAML fuzzer drives `vigil validate`'s path through it.
 */
export function loadMonitorSources(sources: readonly MonitorSource[]): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const docs: CheckedDocument[] = [];
  for (const { file, read } of sources) {
    const doc = checkFile(file, read);
    if (doc instanceof CheckedDocument) docs.push(doc);
    else for (const diagnostic of doc) diagnostics.push(diagnostic);
  }
  checkAcrossDocuments(docs);
  const monitors = docs.flatMap(validSpecs);
  for (const doc of docs) for (const diagnostic of doc.diagnostics) diagnostics.push(diagnostic);
  const files = sources.map((source) => source.file);
  return { monitors, diagnostics: sortDiagnostics(dedupeDiagnostics(diagnostics), files), files };
}

/** One file: diagnostics only when it could not be parsed, else its checked document. */
function checkFile(file: string, read: ReadOutcome): CheckedDocument | Diagnostic[] {
  if (!read.ok) {
    const line = read.line ?? (read.code === 'invalid_encoding' ? 1 : 0);
    const column = read.column ?? (line === 0 ? 0 : 1);
    return [
      makeDiagnostic({
        file,
        span: { line, column, endLine: line, endColumn: column },
        code: read.code,
        message: read.message,
        hint: read.hint,
      }),
    ];
  }
  const parsed = parseMonitorYaml(read.text);
  if (!parsed.ok) {
    return parsed.problems.map((problem) =>
      makeDiagnostic({
        file,
        span: problem.span,
        code: problem.code,
        message: problem.message,
        hint: problem.hint,
      }),
    );
  }
  const { value, locator } = parsed;
  const doc = new CheckedDocument(file, locator, value, value.defaults);
  registerMonitors(doc, value.monitors, ['monitors']);
  const errors = checkFileShape(value);
  for (const finding of translateSchemaErrors(errors, {
    data: value,
    schema: MONITORS_SCHEMA,
    prefix: [],
    root: value,
    locator,
  })) {
    doc.add(finding);
  }
  runDocumentRules(doc, ['defaults']);
  return doc;
}

/**
 * The monitor files under `paths`: files as given (any extension), folders walked recursively
 * for *.yml/*.yaml in sorted order, skipping hidden entries and node_modules. Each file once.
 */
export async function collectFiles(
  paths: string[],
  cwd: string,
): Promise<{ files: string[]; diagnostics: Diagnostic[] }> {
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const problem = (
    file: string,
    code: 'path_not_found' | 'no_files' | 'read_error',
    message: string,
    hint: string,
  ) => diagnostics.push(makeDiagnostic({ file, span: NO_SPAN, code, message, hint }));

  const add = async (display: string, absolute: string) => {
    const real = await realpath(absolute);
    if (seen.has(real)) return;
    seen.add(real);
    files.push(display);
  };

  const walk = async (display: string, absolute: string, depth: number): Promise<number> => {
    if (depth > 32) return 0;
    const entries = await readdir(absolute, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let found = 0;
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const childDisplay = join(display, entry.name);
      const childAbsolute = join(absolute, entry.name);
      const info = await stat(childAbsolute).catch(() => undefined);
      if (info?.isDirectory()) {
        const real = await realpath(childAbsolute);
        if (seen.has(`dir:${real}`)) continue;
        seen.add(`dir:${real}`);
        found += await walk(childDisplay, childAbsolute, depth + 1);
      } else if (info?.isFile() && MONITOR_FILE.test(entry.name)) {
        await add(childDisplay, childAbsolute);
        found += 1;
      }
    }
    return found;
  };

  for (const given of paths) {
    const display = isAbsolute(given) ? normalize(given) : normalize(given).replace(/\/$/, '') || '.';
    const absolute = resolve(cwd, given);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        problem(
          given,
          'path_not_found',
          `\`${given}\` does not exist`,
          'check the path; monitors live in `monitors/` at the repository root',
        );
      } else {
        problem(
          given,
          'read_error',
          `cannot read \`${given}\`: ${code ?? (error as Error).message}`,
          'check its permissions',
        );
      }
      continue;
    }
    if (info.isDirectory()) {
      const real = await realpath(absolute);
      seen.add(`dir:${real}`);
      const found = await walk(display, absolute, 0);
      if (found === 0) {
        problem(
          given,
          'no_files',
          `\`${given}\` holds no monitor files (*.yml or *.yaml)`,
          'add a file such as `monitors/homepage.yml`, or pass the right folder',
        );
      }
    } else {
      await add(display, absolute);
    }
  }
  return { files, diagnostics };
}
