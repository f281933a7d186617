// What `vigil plan` and `vigil apply` share: flags, loading and validating local monitors (with
// the same diagnostics `vigil validate` prints, and no contact with the collector when they are
// invalid), filling `${NAME}` secrets from the environment, and calling POST /v1/sync.
import type { CollectorError } from '../client/collector-client.ts';
import type { SyncPlan, SyncRequest } from '../schema/plan-types.ts';
import type { Diagnostic } from '../schema/types.ts';
import { UsageError } from './usage.ts';

export const SYNC_OPTIONS = {
  collector: { type: 'string' },
  token: { type: 'string' },
  revision: { type: 'string' },
  'no-prune': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface Target {
  url: string;
  token: string;
}

/** --collector/--token, else VIGIL_COLLECTOR_URL/VIGIL_ADMIN_TOKEN; usage error when absent. */
export function target(
  values: { collector?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv,
): Target {
  const url = values.collector ?? env.VIGIL_COLLECTOR_URL;
  const token = values.token ?? env.VIGIL_ADMIN_TOKEN;
  if (url === undefined || url === '')
    throw new UsageError('no collector: pass --collector URL or set VIGIL_COLLECTOR_URL');
  if (token === undefined || token === '')
    throw new UsageError('no admin token: pass --token T or set VIGIL_ADMIN_TOKEN');
  return { url, token };
}

export function revisionOf(values: { revision?: string | undefined }, env: NodeJS.ProcessEnv): string | null {
  return values.revision ?? (env.GITHUB_SHA || null);
}

export interface Outcome {
  plan?: SyncPlan;
  /** Exit code when there is no plan. */
  exitCode: number;
}

/**
 * `file:line:column: severity code: message` then `  hint: ...`, as `vigil validate` prints them.
 * A diagnostic without a position (one the collector sent back) names its field path instead.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where =
    d.line > 0 ? `${d.file}:${d.line}:${d.column}` : `${d.file}${d.path === undefined ? '' : ` ${d.path}`}`;
  const hint = d.hint === undefined ? '' : `\n  hint: ${d.hint}`;
  return `${where}: ${d.severity} ${d.code}: ${d.message}${hint}`;
}

/**
 * Loads, validates, fills secrets and sends one sync request. Prints diagnostics and errors on
 * stderr; returns the plan, or the exit code to use (1) when something failed.
 */
export async function runSync(
  command: string,
  paths: string[],
  base: Omit<SyncRequest, 'monitors' | 'secrets'>,
  to: Target,
  env: NodeJS.ProcessEnv,
): Promise<Outcome> {
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const { prepareSync } = await import('../client/sync-steps.ts');
  const { syncPlan } = await import('../client/collector-client.ts');

  const prepared = await prepareSync(paths.length > 0 ? paths : ['monitors'], env, (d) =>
    err(formatDiagnostic(d)),
  );
  if (!prepared.ok) {
    const { stage, count } = prepared;
    err(
      stage === 'files'
        ? `vigil ${command}: ${count} error${count === 1 ? '' : 's'} in the monitor files; nothing was sent to the collector`
        : `vigil ${command}: ${count} secret${count === 1 ? ' is' : 's are'} not set in the environment; nothing was sent to the collector`,
    );
    // 1 even for a wrong path: with --detailed-exitcode, 2 means "there are changes".
    return { exitCode: 1 };
  }
  try {
    const plan = await syncPlan(to, { ...base, monitors: prepared.monitors, secrets: prepared.secrets });
    return { plan, exitCode: 0 };
  } catch (error) {
    const failure = error as CollectorError;
    if (failure?.name !== 'CollectorError') throw error;
    for (const diagnostic of failure.diagnostics) err(formatDiagnostic(diagnostic));
    err(`vigil ${command}: ${failure.code}: ${failure.message}`);
    return { exitCode: 1 };
  }
}

/** Colors on a terminal, unless NO_COLOR; FORCE_COLOR forces them. */
export function useColor(env: NodeJS.ProcessEnv): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return process.stdout.isTTY === true && env.NO_COLOR === undefined;
}
