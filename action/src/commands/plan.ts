// `plan`: validate, then ask the collector what applying would change (dryRun). The plan goes to
// the job summary and, on a pull request, to one sticky comment updated in place. Fork pull
// requests (and any without the collector's secrets) stop after validation, say why, and pass.
import * as core from '@actions/core';
import { renderText } from '../../../schema/plan-render.ts';
import { syncWithCollector } from '../collector-sync.ts';
import { ActionFailure } from '../failure.ts';
import { createGitHubClient } from '../github-client.ts';
import { forkNote, noCollectorNote } from '../notes.ts';
import { planComment, planSummary } from '../plan-report.ts';
import { setPlanOutputs } from '../report.ts';
import { repoUrl, type Session } from '../session.ts';
import { planMarker, upsertStickyComment } from '../sticky-comment.ts';
import { validateCommand } from './validate.ts';

export async function planCommand(session: Session): Promise<void> {
  const { context, inputs, report } = session;
  const validation = await validateCommand(session);
  const pr = context.pullRequest;

  if (pr?.isFork) {
    core.notice(
      `No plan for a pull request from a fork (${pr.headRepo ?? 'deleted repository'}): its token is read-only and it gets no secrets. The files were validated; the job summary explains.`,
      { title: 'Vigil: validated only' },
    );
    report.add(forkNote(pr.headRepo));
    return;
  }
  const missing = [
    inputs.collectorUrl ? null : 'collector-url',
    inputs.collectorToken ? null : 'collector-token',
  ].filter((m): m is string => m !== null);
  if (missing.length > 0) {
    if (pr === null) {
      throw new ActionFailure(
        'VIGIL_ACTION_MISSING_INPUT',
        `plan needs ${missing.map((m) => `\`${m}\``).join(' and ')}`,
      );
    }
    core.warning(
      `No plan: ${missing.join(' and ')} not set (a pull request without access to secrets?). The files were validated; the job summary explains.`,
      { title: 'Vigil: validated only' },
    );
    report.add(noCollectorNote(missing));
    return;
  }

  const commit = pr?.headSha || context.sha;
  const plan = await syncWithCollector({
    collectorUrl: inputs.collectorUrl,
    collectorToken: inputs.collectorToken,
    monitors: validation.monitors,
    env: session.env,
    revision: commit || null,
    prune: inputs.prune,
    dryRun: true,
    expectedPlanId: null,
  });
  setPlanOutputs(plan);
  core.info(renderText(plan, { color: true }));
  const reportInput = { plan, commit, path: inputs.path, repoUrl: repoUrl(session), runUrl: context.runUrl };
  report.add(planSummary(reportInput));

  if (pr === null || !inputs.comment) return;
  if (!inputs.githubToken) {
    core.warning('No plan comment: `github-token` is empty. The plan is in the job summary.', {
      title: 'Vigil',
    });
    return;
  }
  const github = createGitHubClient(inputs.githubToken, context.apiUrl, (line) => core.info(line));
  const marker = planMarker(inputs.path);
  try {
    const result = await upsertStickyComment(
      github,
      { owner: context.owner, repo: context.repo, issueNumber: pr.number, marker },
      planComment(marker, reportInput),
    );
    core.info(`Plan comment ${result.action}: ${result.url}`);
    report.add(`Plan comment on #${pr.number}: [${result.action}](${result.url})`);
  } catch (error) {
    // The plan is already in the job summary: a comment GitHub refused is a warning, not a
    // failed check (most often the workflow lacks `pull-requests: write`).
    const status = (error as { status?: number }).status;
    const why = `${status === undefined ? '' : `GitHub answered ${status}: `}${(error as Error).message}`;
    core.warning(
      `VIGIL_ACTION_GITHUB: could not write the plan comment on #${pr.number} (${why}). Fix: give the workflow \`permissions: pull-requests: write\`, or set \`comment: false\`. The plan is in the job summary.`,
      { title: 'Vigil: no plan comment' },
    );
    report.add(
      `⚠️ No plan comment on #${pr.number}: ${why}. Give the workflow \`permissions: pull-requests: write\`.`,
    );
  }
}
