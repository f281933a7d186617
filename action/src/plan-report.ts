// The plan as the PR comment and the job summary show it: the shared markdown renderer
// (schema/plan-render.ts: counts, deletions first under a warning, replacements, field diffs in
// collapsed blocks, never a secret value) wrapped with what only the Action knows: the hidden
// marker that finds the comment again, the commit, the path and a link to the run.

import { inlineCode } from '../../common/escape.ts';
import { renderMarkdown } from '../../schema/plan-render.ts';
import type { SyncPlan } from '../../schema/plan-types.ts';
import { shortSha, truncate } from './markdown.ts';

/** GitHub refuses comments over 65,536 characters. */
export const COMMENT_LIMIT = 65_000;

export interface PlanReportInput {
  plan: SyncPlan;
  /** The commit the author pushed (PR head), shown and linked. */
  commit: string;
  path: string;
  /** `https://github.com/owner/repo`, for the commit link. */
  repoUrl: string;
  runUrl: string | null;
}

/** The sticky PR comment: starts with `marker`, fits in a comment. */
export function planComment(marker: string, input: PlanReportInput): string {
  const body = [
    marker,
    renderMarkdown(input.plan, { commit: input.commit }).trimEnd(),
    footer(input, 'This comment is updated on every push.'),
  ].join('\n');
  return truncate(
    body,
    COMMENT_LIMIT,
    '_(plan cut to fit a comment; the job summary and `vigil plan` show all of it)_',
  );
}

/** The job summary section for a plan or an apply. */
export function planSummary(input: PlanReportInput): string {
  return `${renderMarkdown(input.plan, { commit: input.commit, maxPerAction: 1000 }).trimEnd()}\n${footer(input, '')}\n`;
}

// The renderer already names the plan id and commit; this adds what only the Action knows.
function footer(input: PlanReportInput, note: string): string {
  const commit = /^[0-9a-f]{40}$/i.test(input.commit)
    ? ` · commit [\`${shortSha(input.commit)}\`](${input.repoUrl}/commit/${input.commit})`
    : '';
  const run = input.runUrl === null ? '' : ` · [workflow run](${input.runUrl})`;
  return `<sub>Vigil ${input.plan.applied ? 'apply' : 'plan'} for ${inlineCode(input.path)}${commit}${run}${note ? ` · ${note}` : ''}</sub>`;
}
