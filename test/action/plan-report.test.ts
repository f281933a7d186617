// The plan comment: marker first, the shared renderer's plan (deletions first, no secret values),
// the Action's footer, and always within GitHub's comment limit.
import { describe, expect, it } from 'vitest';
import { COMMENT_LIMIT, planComment, planSummary } from '../../action/src/plan-report.ts';
import { planMarker } from '../../action/src/sticky-comment.ts';
import type { PlanChange, SyncPlan } from '../../schema/plan-types.ts';

const SHA = 'abcdef0123456789abcdef0123456789abcdef01';

function plan(changes: PlanChange[], applied = false): SyncPlan {
  const counts = { create: 0, update: 0, replace: 0, rename: 0, delete: 0, unchanged: 0 };
  for (const c of changes) counts[c.action] += 1;
  return { planId: 'p-123', revision: SHA, applied, changes, counts };
}

const input = (p: SyncPlan) => ({
  plan: p,
  commit: SHA,
  path: 'monitors',
  repoUrl: 'https://github.com/acme/site',
  runUrl: 'https://github.com/acme/site/actions/runs/9',
});

describe('planComment', () => {
  it('starts with the marker and shows deletions first, the plan id, the commit and the run', () => {
    const marker = planMarker('monitors');
    const body = planComment(
      marker,
      input(
        plan([
          { action: 'delete', id: 'old', name: 'old', diff: [] },
          {
            action: 'update',
            id: 'api',
            name: 'api',
            diff: [
              {
                path: 'headers.Authorization',
                before: `Bearer \${TOKEN}`,
                after: `Bearer \${TOKEN}`,
                secretChanged: true,
              },
            ],
          },
          { action: 'create', id: 'new', name: 'new', diff: [] },
        ]),
      ),
    );
    expect(body.split('\n')[0]).toBe('<!-- vigil:plan path=monitors -->');
    expect(body.indexOf('`old`')).toBeLessThan(body.indexOf('`api`'));
    expect(body.indexOf('[!WARNING]')).toBeLessThan(body.indexOf('`api`'));
    expect(body).toContain('p-123');
    expect(body).toContain(`[\`abcdef0\`](https://github.com/acme/site/commit/${SHA})`);
    expect(body).toContain('[workflow run](https://github.com/acme/site/actions/runs/9)');
    expect(body).toContain('secret value changed');
    expect(body).toContain('updated on every push');
  });

  it('stays within the comment limit for 10,000 changes', () => {
    const changes: PlanChange[] = Array.from({ length: 10_000 }, (_, i) => ({
      action: 'update',
      id: `monitor-${i}`,
      name: `Monitor ${i}`,
      diff: [
        {
          path: 'url',
          before: `https://a.example.invalid/${'x'.repeat(200)}`,
          after: `https://b.example.invalid/${i}`,
        },
      ],
    }));
    const body = planComment(planMarker('monitors'), input(plan(changes)));
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT + 20);
    expect(body.startsWith('<!-- vigil:plan path=monitors -->')).toBe(true);
  });

  it('says "apply" in the summary of an applied plan', () => {
    expect(planSummary(input(plan([], true)))).toContain('Vigil apply for `monitors`');
  });
});
