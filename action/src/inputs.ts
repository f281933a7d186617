// The Action's inputs (action.yml), read through a getter so tests can pass plain objects and
// run() passes @actions/core's getInput (INPUT_<NAME> with hyphens kept).
import { type ActionContext, PULL_REQUEST_EVENTS } from './context.ts';
import { ActionFailure } from './failure.ts';

export const COMMANDS = ['validate', 'plan', 'apply'] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface ActionInputs {
  command: CommandName;
  /** Why this command: `input` when set explicitly, else the rule that picked the default. */
  commandReason: string;
  path: string;
  collectorUrl: string;
  collectorToken: string;
  githubToken: string;
  prune: boolean;
  comment: boolean;
  expectedPlanId: string | null;
}

export type InputGetter = (name: string) => string;

export function readInputs(get: InputGetter, context: ActionContext): ActionInputs {
  const { command, commandReason } = chooseCommand(get('command').trim(), context);
  const path = get('path').trim() || 'monitors';
  return {
    command,
    commandReason,
    path,
    collectorUrl: get('collector-url').trim(),
    collectorToken: get('collector-token').trim(),
    githubToken: get('github-token').trim(),
    prune: readBoolean(get, 'prune', true),
    comment: readBoolean(get, 'comment', true),
    expectedPlanId: get('expected-plan-id').trim() || null,
  };
}

function chooseCommand(
  value: string,
  context: ActionContext,
): { command: CommandName; commandReason: string } {
  if (value !== '') {
    if (!(COMMANDS as readonly string[]).includes(value)) {
      throw new ActionFailure(
        'VIGIL_ACTION_BAD_INPUT',
        `input \`command\` is \`${value}\`; expected one of ${COMMANDS.map((c) => `\`${c}\``).join(', ')}`,
      );
    }
    return { command: value as CommandName, commandReason: 'set by the `command` input' };
  }
  if (PULL_REQUEST_EVENTS.has(context.eventName) || context.eventName === 'merge_group') {
    return { command: 'plan', commandReason: `default for a ${context.eventName} event` };
  }
  if (context.eventName === 'push') {
    const branch = context.ref.startsWith('refs/heads/') ? context.ref.slice('refs/heads/'.length) : null;
    // Applying from a feature branch would replace what main holds: only the default branch
    // applies by default; any other push shows the plan.
    if (branch !== null && context.defaultBranch !== null && branch === context.defaultBranch) {
      return { command: 'apply', commandReason: `default for a push to the default branch \`${branch}\`` };
    }
    return {
      command: 'plan',
      commandReason: `default for a push to \`${context.ref || 'an unknown ref'}\`, which is not the default branch (\`${context.defaultBranch ?? 'unknown'}\`)`,
    };
  }
  return { command: 'validate', commandReason: `default for a ${context.eventName} event` };
}

function readBoolean(get: InputGetter, name: string, fallback: boolean): boolean {
  const value = get(name).trim().toLowerCase();
  if (value === '') return fallback;
  if (['true', 'yes', 'on', '1'].includes(value)) return true;
  if (['false', 'no', 'off', '0'].includes(value)) return false;
  throw new ActionFailure(
    'VIGIL_ACTION_BAD_INPUT',
    `input \`${name}\` is \`${value}\`; expected true or false`,
  );
}
