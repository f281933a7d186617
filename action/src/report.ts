// What one run shows: annotations (via @actions/core commands on stdout), job summary sections
// written once at the end (also when the run fails), and outputs.
import * as core from '@actions/core';
import type { SyncPlan } from '../../schema/plan-types.ts';
import type { Diagnostic } from '../../schema/types.ts';
import { buildAnnotations } from './annotations.ts';
import { truncate } from './markdown.ts';

/** GitHub refuses a step summary over 1 MiB; stay below with room for the failure section. */
const SUMMARY_LIMIT = 1_000_000;

export class Report {
  private readonly sections: string[] = [];

  add(markdown: string): void {
    this.sections.push(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  }

  /** Appends everything to GITHUB_STEP_SUMMARY (when GitHub gave one). */
  async write(): Promise<void> {
    if (this.sections.length === 0) return;
    if (!process.env.GITHUB_STEP_SUMMARY) {
      core.info('GITHUB_STEP_SUMMARY is not set; no job summary written.');
      return;
    }
    const text = truncate(
      this.sections.join('\n'),
      SUMMARY_LIMIT,
      '_(job summary cut to fit GitHub’s 1 MiB limit)_',
    );
    await core.summary.addRaw(text).write();
  }
}

export function annotate(diagnostics: readonly Diagnostic[], workspace: string): void {
  for (const annotation of buildAnnotations(diagnostics, workspace)) {
    const emit =
      annotation.kind === 'error' ? core.error : annotation.kind === 'warning' ? core.warning : core.notice;
    emit(annotation.message, annotation.properties);
  }
}

export function setPlanOutputs(plan: SyncPlan): void {
  core.setOutput('creates', plan.counts.create);
  core.setOutput('updates', plan.counts.update);
  core.setOutput('replaces', plan.counts.replace);
  core.setOutput('renames', plan.counts.rename);
  core.setOutput('deletes', plan.counts.delete);
  core.setOutput('plan-id', plan.planId);
}
