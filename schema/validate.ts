// Re-validation of monitors that arrive without a file: the collector's POST /v1/sync. Same
// schema and rules as files; positions are 0:0, `file` is the label and `path` says where
// (`monitors[3].alert.after`).
import * as checks from './check-document.ts';
import { dedupeDiagnostics, sortDiagnostics } from './diagnostics.ts';
import { ValueLocator } from './locator.ts';
import { isRecord } from './merge.ts';
import { checkMonitorShape, schemaDef } from './schema-check.ts';
import { translateSchemaErrors } from './schema-errors.ts';
import type { Diagnostic, MonitorSpec } from './types.ts';

export function validateMonitorList(
  monitors: unknown[],
  label: string,
): { specs: MonitorSpec[]; diagnostics: Diagnostic[] } {
  const root = { monitors };
  const doc = new checks.CheckedDocument(label, new ValueLocator(root), root, undefined);
  checks.registerMonitors(doc, monitors, ['monitors']);
  const monitorSchema = schemaDef('monitor');
  for (const monitor of doc.monitors) {
    if (!isRecord(monitor.raw)) {
      doc.add(
        {
          code: 'not_a_mapping',
          message: `monitor #${Number(monitor.path[1]) + 1} must be a mapping; got ${Array.isArray(monitor.raw) ? 'a list' : typeof monitor.raw}`,
          hint: 'send each monitor in the form toDocument() gives',
          path: monitor.path,
          part: 'value',
        },
        monitor,
      );
      continue;
    }
    const errors = checkMonitorShape(monitor.raw);
    for (const finding of translateSchemaErrors(errors, {
      data: monitor.raw,
      schema: monitorSchema,
      prefix: monitor.path,
      root,
      locator: doc.locator,
    })) {
      doc.add(finding, monitor);
    }
  }
  checks.runDocumentRules(doc, null);
  checks.checkAcrossDocuments([doc]);
  return {
    specs: checks.validSpecs(doc).map(({ spec }) => spec),
    diagnostics: sortDiagnostics(dedupeDiagnostics(doc.diagnostics)),
  };
}
