// The steps every sync takes, shared by `vigil plan`, `vigil apply`, `vigil up` and the Action:
// load and check the monitor files, fill the `${NAME}` secrets they reference from the
// environment, and put the monitors in their wire form. What happens next differs (an HTTP call
// to the collector, or the in-process sync of `vigil up`), and so does how each caller reports.
import { loadMonitorFiles } from '../schema/load.ts';
import { toDocument } from '../schema/normalize.ts';
import { collectSecrets, sourcesOf } from '../schema/secrets.ts';
import type { Diagnostic, MonitorSpec, Secrets, SourceLocation } from '../schema/types.ts';

export interface LoadedMonitor {
  spec: MonitorSpec;
  source: SourceLocation;
}

/** The monitors and secrets of a sync request. */
export interface SyncParts {
  monitors: unknown[];
  secrets: Secrets;
}

/** The secrets of `monitors` from `env` and their wire form; `missing` lists unset secrets. */
export function syncPartsOf(
  monitors: readonly LoadedMonitor[],
  env: NodeJS.ProcessEnv,
): SyncParts & { diagnostics: Diagnostic[]; missing: Diagnostic[] } {
  const specs = monitors.map((m) => m.spec);
  const { secrets, diagnostics } = collectSecrets(specs, env, sourcesOf(monitors));
  return {
    monitors: specs.map(toDocument),
    secrets,
    diagnostics,
    missing: diagnostics.filter((d) => d.severity === 'error'),
  };
}

export type PreparedSync =
  | ({ ok: true } & SyncParts)
  /** `files`: errors in the monitor files; `secrets`: secrets not set. `count` of either. */
  | { ok: false; stage: 'files' | 'secrets'; count: number };

/**
 * Loads `paths`, then the sync parts. Every diagnostic (of the files, then of the secrets) goes
 * to `report` in order; nothing is prepared when a file has an error or a secret is missing.
 */
export async function prepareSync(
  paths: string[],
  env: NodeJS.ProcessEnv,
  report: (diagnostic: Diagnostic) => void,
): Promise<PreparedSync> {
  const loaded = await loadMonitorFiles(paths);
  for (const diagnostic of loaded.diagnostics) report(diagnostic);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) return { ok: false, stage: 'files', count: errors };
  const parts = syncPartsOf(loaded.monitors, env);
  for (const diagnostic of parts.diagnostics) report(diagnostic);
  if (parts.missing.length > 0) return { ok: false, stage: 'secrets', count: parts.missing.length };
  return { ok: true, monitors: parts.monitors, secrets: parts.secrets };
}
