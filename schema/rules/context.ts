// What a rule sees and how it reports. Rules look at one monitor with the file's defaults
// applied, as written (not yet validated: every rule checks the types it relies on and stays
// silent on values the schema already reports). Paths are relative to the monitor; the caller
// turns them into positions in the monitor or in `defaults:`, wherever the value came from.
import type { DiagnosticCode } from '../codes.ts';
import type { PathSegment } from '../diagnostics.ts';

export interface RuleFinding {
  code: DiagnosticCode;
  /** Path inside the monitor, e.g. `['alert', 'after']`. */
  path: PathSegment[];
  message: string;
  hint: string;
  /** Point at the key rather than the value (default: value). */
  part?: 'key' | 'value';
  severity?: 'error' | 'warning';
}

export type Report = (finding: RuleFinding) => void;

export type MonitorRule = (monitor: Record<string, unknown>, report: Report) => void;
