// Summary sections for the runs that end without a plan, and for failures: each says why and
// what to do.

import { escapeGitHubText, inlineCode } from '../../common/escape.ts';
import type { ActionFailure } from './failure.ts';
import { ghExpr } from './markdown.ts';

export function forkNote(headRepo: string | null): string {
  return [
    '### ℹ️ Vigil: no plan for a pull request from a fork',
    '',
    `This pull request comes from ${headRepo ? inlineCode(headRepo) : 'a fork'}. GitHub gives workflows run for forks a read-only token and no secrets, so Vigil cannot ask the collector for a plan (that needs \`collector-token\`) nor write the plan comment.`,
    '',
    'The monitor files were validated above. The plan is computed when a maintainer merges (apply), or run `vigil plan` locally against the collector.',
  ].join('\n');
}

export function noCollectorNote(missing: string[]): string {
  return [
    '### ⚠️ Vigil: no plan: collector not configured',
    '',
    `The step has no ${missing.map((m) => `\`${m}\``).join(' and ')}, so only validation ran. Pull requests opened by Dependabot get no repository secrets either.`,
    '',
    'To see the plan on pull requests, pass them from repository secrets:',
    '',
    '```yaml',
    'with:',
    `  collector-url: ${ghExpr('vars.VIGIL_URL')}`,
    `  collector-token: ${ghExpr('secrets.VIGIL_TOKEN')}`,
    '```',
  ].join('\n');
}

export function failureSection(failure: ActionFailure): string {
  return [
    `### ❌ Vigil failed: \`${failure.code}\``,
    '',
    escapeGitHubText(failure.message),
    '',
    `**What to do:** ${failure.remedy}`,
  ].join('\n');
}
