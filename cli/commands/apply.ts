// `vigil apply [paths] --collector URL --token T [--no-prune] [--expected-plan ID]`
import { type PlanFormat, renderPlan } from '../../schema/plan-render.ts';
import { revisionOf, runSync, SYNC_OPTIONS, target, useColor } from '../sync-command.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `usage: vigil apply [paths...] --collector URL --token T [options]

Makes the collector hold exactly the monitors in paths (default: monitors/), in one transaction,
and prints what was done.

  --collector URL       collector base URL (default: $VIGIL_COLLECTOR_URL)
  --token T             admin token (default: $VIGIL_ADMIN_TOKEN)
  --no-prune            keep monitors the collector has but paths do not declare
  --expected-plan ID    refuse (VIGIL_ERR_STALE_PLAN) unless the plan is still the one with this id
  --format F            text (default) or json
  --revision SHA        git revision to record (default: $GITHUB_SHA)

Secrets written as \${NAME} are filled from the environment.
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...SYNC_OPTIONS,
    'expected-plan': { type: 'string' },
    format: { type: 'string', default: 'text' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const format = values.format as PlanFormat;
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json');
  const expected = values['expected-plan'];
  if (expected === '') throw new UsageError('--expected-plan needs a plan id');
  const to = target(values, process.env);

  const outcome = await runSync(
    'apply',
    positionals,
    {
      revision: revisionOf(values, process.env),
      prune: !values['no-prune'],
      dryRun: false,
      ...(expected === undefined ? {} : { expectedPlanId: expected }),
    },
    to,
    process.env,
  );
  if (outcome.plan === undefined) return outcome.exitCode;
  process.stdout.write(
    renderPlan(outcome.plan, format, { color: format === 'text' && useColor(process.env) }),
  );
  return 0;
}
