// Loading and validating the monitor files under the `path` input, relative to the checkout.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedMonitor } from '../../client/sync-steps.ts';
import { loadMonitorFiles } from '../../schema/load.ts';
import type { Diagnostic } from '../../schema/types.ts';
import { ActionFailure } from './failure.ts';

export type { LoadedMonitor };

export interface Validation {
  monitors: LoadedMonitor[];
  diagnostics: Diagnostic[];
  files: string[];
  errorCount: number;
}

export async function validateFiles(inputPath: string, workspace: string): Promise<Validation> {
  const absolute = path.resolve(workspace, inputPath);
  if (!existsSync(absolute)) {
    throw new ActionFailure(
      'VIGIL_ACTION_PATH_MISSING',
      `\`${inputPath}\` does not exist in the checkout (${workspace})`,
    );
  }
  // Relative to the checkout, so every diagnostic names a repository path GitHub can annotate.
  const relative = path.relative(workspace, absolute) || '.';
  const loaded = await loadMonitorFiles([relative], { cwd: workspace });
  return {
    monitors: loaded.monitors,
    diagnostics: loaded.diagnostics,
    files: loaded.files,
    errorCount: loaded.diagnostics.filter((d) => d.severity !== 'warning').length,
  };
}
