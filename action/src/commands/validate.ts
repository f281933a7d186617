// `validate`: annotate every problem in the monitor files, list them all in the job summary, set
// `valid`, and fail when there is an error. plan and apply start with it.
import * as core from '@actions/core';
import { plural } from '../annotations.ts';
import { validationSummary } from '../diagnostics-summary.ts';
import { ActionFailure } from '../failure.ts';
import { annotate } from '../report.ts';
import { repoUrl, type Session } from '../session.ts';
import { type Validation, validateFiles } from '../validate-files.ts';

export async function validateCommand(session: Session): Promise<Validation> {
  const { context, inputs, report } = session;
  const validation = await validateFiles(inputs.path, context.workspace);
  annotate(validation.diagnostics, context.workspace);
  report.add(
    validationSummary({
      diagnostics: validation.diagnostics,
      monitorCount: validation.monitors.length,
      fileCount: validation.files.length,
      path: inputs.path,
      workspace: context.workspace,
      blobUrl: context.sha ? `${repoUrl(session)}/blob/${context.sha}` : null,
    }),
  );
  core.setOutput('valid', validation.errorCount === 0);
  if (validation.errorCount > 0) {
    const files = new Set(validation.diagnostics.filter((d) => d.severity !== 'warning').map((d) => d.file))
      .size;
    throw new ActionFailure(
      'VIGIL_ACTION_INVALID_MONITORS',
      `${plural(validation.errorCount, 'error')} in ${plural(files, 'file')} under \`${inputs.path}\``,
    );
  }
  core.info(
    `${plural(validation.monitors.length, 'monitor')} in ${plural(validation.files.length, 'file')} under ${inputs.path}: valid.`,
  );
  return validation;
}
