// The one call plan and apply make: POST /v1/sync with the validated monitors in their wire form,
// the values of the secrets they reference (from the step's env), prune, revision and dryRun.
// Collector errors become ActionFailures with the collector's own code; diagnostics it returns are
// moved back onto the files and lines the monitors came from, then annotated.

import * as core from '@actions/core';
import { CollectorError, syncPlan } from '../../client/collector-client.ts';
import { type LoadedMonitor, type SyncParts, syncPartsOf } from '../../client/sync-steps.ts';
import type { SyncPlan, SyncRequest } from '../../schema/plan-types.ts';
import type { Diagnostic } from '../../schema/types.ts';
import { ActionFailure } from './failure.ts';

export interface SyncInput {
  collectorUrl: string;
  collectorToken: string;
  monitors: LoadedMonitor[];
  env: NodeJS.ProcessEnv;
  revision: string | null;
  prune: boolean;
  dryRun: boolean;
  expectedPlanId: string | null;
}

/** A failure that carries diagnostics to annotate before failing. */
export class SyncFailure extends ActionFailure {
  readonly diagnostics: Diagnostic[];

  constructor(code: string, message: string, diagnostics: Diagnostic[]) {
    super(code, message);
    this.diagnostics = diagnostics;
  }
}

/**
 * The monitors in wire form and the secret values for every `${NAME}` they use; a missing secret
 * fails naming where it is used.
 */
export function syncParts(monitors: LoadedMonitor[], env: NodeJS.ProcessEnv): SyncParts {
  const { secrets, missing: errors, monitors: documents } = syncPartsOf(monitors, env);
  if (errors.length > 0) {
    throw new SyncFailure(
      'VIGIL_ACTION_MISSING_SECRET',
      `${errors.length} secret${errors.length === 1 ? ' is' : 's are'} not set in the step environment: ${[...new Set(errors.map((d) => secretName(d)))].join(', ')}`,
      errors,
    );
  }
  // The runner masks repository secrets already; a value that came from elsewhere (a variable,
  // a previous step) is masked here so no later log line can show it.
  for (const value of Object.values(secrets)) core.setSecret(value);
  return { monitors: documents, secrets };
}

export async function syncWithCollector(input: SyncInput): Promise<SyncPlan> {
  const request: SyncRequest = {
    revision: input.revision,
    ...syncParts(input.monitors, input.env),
    prune: input.prune,
    dryRun: input.dryRun,
    ...(input.expectedPlanId === null ? {} : { expectedPlanId: input.expectedPlanId }),
  };
  try {
    return await syncPlan({ url: input.collectorUrl, token: input.collectorToken }, request);
  } catch (error) {
    if (error instanceof CollectorError) {
      throw new SyncFailure(error.code, error.message, placeDiagnostics(error.diagnostics, input.monitors));
    }
    throw error;
  }
}

/**
 * The collector names the monitors it was sent by index (`monitors[3].url` in a file labelled
 * `request`); point such diagnostics at the file and line where that monitor is declared.
 */
export function placeDiagnostics(
  diagnostics: readonly Diagnostic[],
  monitors: readonly LoadedMonitor[],
): Diagnostic[] {
  return diagnostics.map((d) => {
    const index = monitorIndex(d.path);
    const source = index === null ? undefined : monitors[index]?.source;
    if (source === undefined || (d.line > 0 && d.file === source.file)) return d;
    const field = d.path?.replace(/^(?:monitors)?\[\d+\]\.?/, '') ?? '';
    return {
      ...d,
      file: source.file,
      line: source.line,
      column: source.column,
      endLine: source.line,
      endColumn: source.column,
      message: field && !d.message.includes(field) ? `${field}: ${d.message}` : d.message,
    };
  });
}

function monitorIndex(fieldPath: string | undefined): number | null {
  const match = /^(?:monitors)?\[(\d+)\]/.exec(fieldPath ?? '');
  return match === null ? null : Number(match[1]);
}

function secretName(d: Diagnostic): string {
  return (
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(d.message)?.[1] ??
    /`([A-Za-z_][A-Za-z0-9_]*)`/.exec(d.message)?.[1] ??
    d.code
  );
}
