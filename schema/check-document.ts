// The checks shared by files and sync requests: schema errors translated, file defaults merged,
// every rule run per monitor, identities checked across monitors, and each finding placed where
// the offending value was written (in the monitor, or in `defaults:` when it came from there).
import type { DiagnosticCode } from './codes.ts';
import type { PathSegment } from './diagnostics.ts';
import { formatPath, makeDiagnostic } from './diagnostics.ts';
import type { Locator } from './locator.ts';
import { applyFileDefaults, isRecord } from './merge.ts';
import { normalizeMonitor } from './normalize.ts';
import { checkIdentities, type IdentityEntry } from './rules/identity.ts';
import { DEFAULTS_RULES, MONITOR_RULES, type RuleFinding, runRules } from './rules/index.ts';
import type { Finding } from './schema-errors.ts';
import type { Diagnostic, MonitorSpec, SourceLocation } from './types.ts';

const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** One monitor entry of a checked document. */
export interface CheckedMonitor {
  /** Full path of the entry in its document: `['monitors', 3]`. */
  path: PathSegment[];
  raw: unknown;
  /** File defaults applied (the raw entry when it is not a mapping). */
  merged: Record<string, unknown> | undefined;
  source: SourceLocation;
  errors: number;
}

/** A document (a file, or a sync request's list) and what was found in it. */
export class CheckedDocument {
  readonly file: string;
  readonly locator: Locator;
  readonly root: unknown;
  readonly defaults: unknown;
  readonly monitors: CheckedMonitor[] = [];
  private readonly monitorsByPath = new Map<string, CheckedMonitor>();
  readonly diagnostics: Diagnostic[] = [];
  /** Errors outside any monitor (top level, defaults): they disqualify every monitor. */
  documentErrors = 0;

  constructor(file: string, locator: Locator, root: unknown, defaults: unknown) {
    this.file = file;
    this.locator = locator;
    this.root = root;
    this.defaults = defaults;
  }

  /** Records a finding at a full document path and blames the monitor it belongs to. */
  add(finding: Finding, blame?: CheckedMonitor): void {
    this.diagnostics.push(
      makeDiagnostic({
        file: this.file,
        span: this.locator.span(finding.path, finding.part),
        code: finding.code,
        message: finding.message,
        hint: finding.hint,
        severity: finding.severity ?? 'error',
        path: finding.path,
      }),
    );
    if ((finding.severity ?? 'error') !== 'error') return;
    const owner = blame ?? this.monitorAt(finding.path);
    if (owner === undefined) this.documentErrors += 1;
    else owner.errors += 1;
  }

  /** Adds a monitor entry; findings under its path are blamed on it. */
  addMonitor(monitor: CheckedMonitor): void {
    this.monitors.push(monitor);
    this.monitorsByPath.set(pathKey(monitor.path), monitor);
  }

  /**
   * The monitor a path lies in: a lookup per prefix, not a scan of every monitor, so a file's
   * findings cost the same whatever the number of monitors beside them.
   */
  monitorAt(path: readonly PathSegment[]): CheckedMonitor | undefined {
    for (let length = 1; length <= path.length; length += 1) {
      const monitor = this.monitorsByPath.get(pathKey(path.slice(0, length)));
      if (monitor !== undefined) return monitor;
    }
    return undefined;
  }

  /**
   * Full path to blame for a path inside a merged monitor: the monitor's own value when it has
   * one, else the file default it inherited, else the monitor (a built-in default).
   */
  placeInMonitor(monitor: CheckedMonitor, inner: PathSegment[]): PathSegment[] {
    const own = [...monitor.path, ...inner];
    if (this.locator.has(own)) return own;
    const inherited = ['defaults', ...inner];
    if (isRecord(this.defaults) && inner.length > 0 && this.locator.has(inherited)) return inherited;
    return own;
  }

  /** `monitors/api.yml:4:9` (or `label monitors[3].id` without source text). */
  place(path: PathSegment[]): string {
    const span = this.locator.span(path, 'value');
    return span.line === 0 ? `${this.file} ${formatPath(path)}` : `${this.file}:${span.line}:${span.column}`;
  }
}

function pathKey(path: readonly PathSegment[]): string {
  return JSON.stringify(path);
}

/** Adds each monitor entry of `list` (found at `listPath`) to the document. */
export function registerMonitors(doc: CheckedDocument, list: unknown, listPath: PathSegment[]): void {
  if (!Array.isArray(list)) return;
  list.forEach((raw, index) => {
    const path = [...listPath, index];
    const span = doc.locator.span(path, 'value');
    doc.addMonitor({
      path,
      raw,
      merged: isRecord(raw) ? applyFileDefaults(raw, doc.defaults) : undefined,
      source: { file: doc.file, line: span.line, column: span.column },
      errors: 0,
    });
  });
}

/** Runs the rules beyond the schema on `defaults:` and on every monitor of the document. */
export function runDocumentRules(doc: CheckedDocument, defaultsPath: PathSegment[] | null): void {
  if (defaultsPath !== null && isRecord(doc.defaults)) {
    runRules(DEFAULTS_RULES, doc.defaults, (finding) =>
      doc.add(toFinding(finding, [...defaultsPath, ...finding.path])),
    );
  }
  for (const monitor of doc.monitors) {
    if (monitor.merged === undefined) continue;
    runRules(MONITOR_RULES, monitor.merged, (finding: RuleFinding) =>
      doc.add(toFinding(finding, doc.placeInMonitor(monitor, finding.path)), monitor),
    );
  }
}

function toFinding(finding: RuleFinding, path: PathSegment[]): Finding {
  return {
    code: finding.code,
    message: finding.message,
    hint: finding.hint,
    path,
    part: finding.part ?? 'value',
    ...(finding.severity !== undefined ? { severity: finding.severity } : {}),
  };
}

/** Duplicate ids and `renamed_from` problems across every monitor of every document. */
export function checkAcrossDocuments(docs: readonly CheckedDocument[]): void {
  const entries: Array<IdentityEntry & { doc: CheckedDocument; monitor: CheckedMonitor }> = [];
  for (const doc of docs) {
    for (const monitor of doc.monitors) {
      const raw = isRecord(monitor.raw) ? monitor.raw : {};
      const id = typeof raw.id === 'string' && ID_PATTERN.test(raw.id) ? raw.id : undefined;
      const renamed =
        typeof raw.renamed_from === 'string' && ID_PATTERN.test(raw.renamed_from)
          ? raw.renamed_from
          : undefined;
      entries.push({
        id,
        renamedFrom: renamed,
        place: (field) => doc.place([...monitor.path, field]),
        doc,
        monitor,
      });
    }
  }
  checkIdentities(entries, (index, field, code: DiagnosticCode, message, hint) => {
    const entry = entries[index];
    if (entry === undefined) return;
    entry.doc.add(
      { code, message, hint, path: [...entry.monitor.path, field], part: 'value' },
      entry.monitor,
    );
  });
}

/** The normalized specs of the monitors without errors (none when the document has errors). */
export function validSpecs(doc: CheckedDocument): Array<{ spec: MonitorSpec; source: SourceLocation }> {
  if (doc.documentErrors > 0) return [];
  return doc.monitors
    .filter((monitor) => monitor.errors === 0 && isRecord(monitor.raw))
    .map((monitor) => ({
      spec: normalizeMonitor(monitor.raw as Record<string, unknown>, doc.defaults),
      source: monitor.source,
    }));
}
