// `vigil plan [paths] --collector URL --token T [--format text|json|markdown] [--detailed-exitcode]`
import { hasChanges } from '../../schema/plan.ts';
import { type PlanFormat, renderPlan } from '../../schema/plan-render.ts';
import { revisionOf, runSync, SYNC_OPTIONS, target, useColor } from '../sync-command.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `usage: vigil plan [paths...] --collector URL --token T [options]

Shows what applying the monitors in paths (default: monitors/) would change on the collector,
without changing anything. Deletions come first.

  --collector URL       collector base URL (default: $VIGIL_COLLECTOR_URL)
  --token T             admin token (default: $VIGIL_ADMIN_TOKEN)
  --format F            text (default), markdown (for a pull-request comment) or json
  --detailed-exitcode   exit 2 when there are changes (0: none, 1: error), as terraform does
  --no-prune            plan for an apply that keeps monitors missing from paths
  --revision SHA        git revision to record (default: $GITHUB_SHA)

Secrets written as \${NAME} are filled from the environment.
`;

const FORMATS: readonly PlanFormat[] = ['text', 'json', 'markdown'];

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...SYNC_OPTIONS,
    format: { type: 'string', default: 'text' },
    'detailed-exitcode': { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const format = values.format as PlanFormat;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  const to = target(values, process.env);

  const outcome = await runSync(
    'plan',
    positionals,
    { revision: revisionOf(values, process.env), prune: !values['no-prune'], dryRun: true },
    to,
    process.env,
  );
  if (outcome.plan === undefined) return outcome.exitCode;
  process.stdout.write(
    renderPlan(outcome.plan, format, { color: format === 'text' && useColor(process.env) }),
  );
  return values['detailed-exitcode'] && hasChanges(outcome.plan.counts) ? 2 : 0;
}
