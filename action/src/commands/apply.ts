// `apply`: validate, then make the collector hold exactly these monitors (prune by default), with
// the commit as revision; print and summarise what changed. With `expected-plan-id`, refuse when
// the collector would now do something else than the reviewed plan.
import * as core from '@actions/core';
import { changeCount, renderText, summaryLine } from '../../../schema/plan-render.ts';
import { syncWithCollector } from '../collector-sync.ts';
import { ActionFailure } from '../failure.ts';
import { planSummary } from '../plan-report.ts';
import { setPlanOutputs } from '../report.ts';
import { repoUrl, type Session } from '../session.ts';
import { validateCommand } from './validate.ts';

export async function applyCommand(session: Session): Promise<void> {
  const { context, inputs, report } = session;
  const validation = await validateCommand(session);
  const missing = [
    inputs.collectorUrl ? null : 'collector-url',
    inputs.collectorToken ? null : 'collector-token',
  ].filter((m): m is string => m !== null);
  if (missing.length > 0) {
    throw new ActionFailure(
      'VIGIL_ACTION_MISSING_INPUT',
      `apply needs ${missing.map((m) => `\`${m}\``).join(' and ')}`,
    );
  }
  const plan = await syncWithCollector({
    collectorUrl: inputs.collectorUrl,
    collectorToken: inputs.collectorToken,
    monitors: validation.monitors,
    env: session.env,
    revision: context.sha || null,
    prune: inputs.prune,
    dryRun: false,
    expectedPlanId: inputs.expectedPlanId,
  });
  setPlanOutputs(plan);
  core.info(renderText(plan, { color: true }));
  core.info(changeCount(plan) === 0 ? 'Vigil apply: no changes.' : `Vigil apply: ${summaryLine(plan)}.`);
  report.add(
    planSummary({
      plan,
      commit: context.sha,
      path: inputs.path,
      repoUrl: repoUrl(session),
      runUrl: context.runUrl,
    }),
  );
}
