// The Action's run(): read the context and inputs, run one command, write the job summary, and
// turn any failure into one setFailed line with a stable code and what to do. Never throws.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { SyncFailure } from './collector-sync.ts';
import { applyCommand } from './commands/apply.ts';
import { planCommand } from './commands/plan.ts';
import { validateCommand } from './commands/validate.ts';
import { readContext } from './context.ts';
import { diagnosticsTable } from './diagnostics-summary.ts';
import { ActionFailure, failureLine } from './failure.ts';
import { type CommandName, readInputs } from './inputs.ts';
import { failureSection } from './notes.ts';
import { annotate, Report } from './report.ts';
import type { Session } from './session.ts';

const COMMANDS: Record<CommandName, (session: Session) => Promise<unknown>> = {
  validate: validateCommand,
  plan: planCommand,
  apply: applyCommand,
};

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const report = new Report();
  let workspace = env.GITHUB_WORKSPACE || process.cwd();
  try {
    const context = readContext(env);
    workspace = context.workspace;
    const inputs = readInputs((name) => core.getInput(name), context);
    if (inputs.collectorToken) core.setSecret(inputs.collectorToken);
    core.info(`Vigil ${inputs.command} (${inputs.commandReason}) on \`${inputs.path}\`.`);
    await COMMANDS[inputs.command]({ context, inputs, report, env });
  } catch (error) {
    const failure = toFailure(error);
    report.add(failureSection(failure));
    if (failure instanceof SyncFailure && failure.diagnostics.length > 0) {
      // Diagnostics the collector could not place name no file of the checkout (`request`).
      const diagnostics = failure.diagnostics.map((d) =>
        d.file !== '' && existsSync(path.resolve(workspace, d.file)) ? d : { ...d, file: '' },
      );
      annotate(diagnostics, workspace);
      report.add(diagnosticsTable(diagnostics, workspace, null));
    }
    core.setFailed(failureLine(failure));
  }
  try {
    await report.write();
  } catch (error) {
    core.warning(`could not write the job summary: ${(error as Error).message}`);
  }
}

function toFailure(error: unknown): ActionFailure {
  if (error instanceof ActionFailure) return error;
  const err = error as { code?: unknown; message?: unknown; stack?: unknown };
  if (typeof err?.stack === 'string') core.debug(err.stack);
  const message = typeof err?.message === 'string' ? err.message : String(error);
  return new ActionFailure('VIGIL_ACTION_INTERNAL', message);
}
