// Every way the Action can fail, as a typed code plus a sentence naming what to do. run() turns
// any error into one `setFailed` line built here, so a red check always says how to make it green.
import { CodedError } from '../../common/errors.ts';
import { ghExpr } from './markdown.ts';

export const ACTION_FAILURES = {
  /** An input has a value the Action cannot use. */
  VIGIL_ACTION_BAD_INPUT: 'fix the input in the workflow file',
  /** plan/apply without `collector-url` or `collector-token`. */
  VIGIL_ACTION_MISSING_INPUT: 'set the input in the workflow step (`with:`), from a repository secret',
  /** The `path` input names nothing in the checkout. */
  VIGIL_ACTION_PATH_MISSING:
    'check the `path` input and that the workflow runs actions/checkout before this step',
  /** The monitor files have errors (annotated on their lines). */
  VIGIL_ACTION_INVALID_MONITORS: 'fix the annotated lines (all of them are listed in the job summary)',
  /** A `${NAME}` used by a monitor is not in the step environment. */
  VIGIL_ACTION_MISSING_SECRET: `add it to the step: \`env: { NAME: ${ghExpr('secrets.NAME')} }\` (and create the repository secret)`,
  /** The event payload or GITHUB_* environment is not what GitHub gives an action. */
  VIGIL_ACTION_BAD_CONTEXT: 'run this Action from a GitHub Actions workflow',
  /** Collector answers (codes shared with the collector's API). */
  VIGIL_ERR_UNREACHABLE:
    'check that `collector-url` is right and that the collector is running and reachable from the runner',
  VIGIL_ERR_UNAUTHORIZED:
    "set `collector-token` to the collector's admin token (VIGIL_ADMIN_TOKEN), stored as a repository secret",
  VIGIL_ERR_STALE_PLAN:
    'the monitors on the collector changed since the plan was made: re-run the plan, review it, then apply',
  VIGIL_ERR_INVALID_MONITORS:
    'fix the annotated lines; if the files validate locally, the collector runs a different Vigil version: upgrade one of them',
  VIGIL_ERR_MISSING_SECRET: `add the secret to the step: \`env: { NAME: ${ghExpr('secrets.NAME')} }\` (and create the repository secret)`,
  VIGIL_ERR_BAD_URL:
    'set `collector-url` to the http(s) base URL of the collector, e.g. https://vigil.example.com',
  VIGIL_ERR_BAD_RESPONSE:
    '`collector-url` answered, but not as a Vigil collector: check the URL (and any proxy in front of it)',
  VIGIL_ERR_BODY_TOO_LARGE:
    'split the monitors across fewer or smaller files, or raise the collector body limit',
  /** The GitHub API refused or failed a call the Action needed. */
  VIGIL_ACTION_GITHUB:
    'give the workflow `permissions: pull-requests: write`, or set `comment: false` to keep the plan in the job summary only',
  /** Anything else (a bug or an unexpected answer). */
  VIGIL_ACTION_INTERNAL: 'this is a bug in Vigil; please report it with the log of this step',
} as const;

export type ActionFailureCode = keyof typeof ACTION_FAILURES;

/** A failure with a stable code and the remedy to show. */
export class ActionFailure extends CodedError {
  override name = 'ActionFailure';
  readonly remedy: string;

  constructor(code: string, message: string, remedy?: string) {
    super(code, message);
    this.remedy = remedy ?? remedyFor(code);
  }
}

export function remedyFor(code: string): string {
  return (ACTION_FAILURES as Record<string, string>)[code] ?? ACTION_FAILURES.VIGIL_ACTION_INTERNAL;
}

/** The one line given to setFailed: `CODE: what happened. Fix: what to do.` */
export function failureLine(failure: ActionFailure): string {
  const message = failure.message.replace(/\s*\.?\s*$/, '');
  return `${failure.code}: ${message}. Fix: ${failure.remedy}`;
}
