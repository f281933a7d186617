// Everything a command needs for one run.
import type { ActionContext } from './context.ts';
import type { ActionInputs } from './inputs.ts';
import type { Report } from './report.ts';

export interface Session {
  context: ActionContext;
  inputs: ActionInputs;
  report: Report;
  /** The step environment: `${NAME}` secrets are read from here. */
  env: NodeJS.ProcessEnv;
}

export function repoUrl(session: Session): string {
  return `${session.context.serverUrl}/${session.context.repository}`;
}
