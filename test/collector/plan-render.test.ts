// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here.
import { describe, expect, it } from 'vitest';
import { renderMarkdown, renderPlan, renderText, summaryLine } from '../../schema/plan-render.ts';
import type { SyncPlan } from '../../schema/plan-types.ts';

const plan: SyncPlan = {
  planId: 'p1234',
  revision: 'abc123',
  applied: false,
  changes: [
    { action: 'delete', id: 'old', name: 'Old site', diff: [] },
    {
      action: 'replace',
      id: 'api',
      name: 'api',
      diff: [{ path: 'url', before: 'https://a.invalid/', after: 'https://b.invalid/' }],
    },
    { action: 'rename', id: 'web2', name: 'web2', from: 'web', diff: [] },
    {
      action: 'update',
      id: 'shop',
      name: 'Shop | @team',
      diff: [
        { path: 'interval', before: '1m', after: '2m' },
        {
          path: 'headers.Authorization',
          before: 'Bearer ${TOKEN}',
          after: 'Bearer ${TOKEN}',
          secretChanged: true,
        },
        { path: 'keywords', before: ['<b>'], after: ['a|b'] },
      ],
    },
    { action: 'create', id: 'blog', name: 'blog', diff: [] },
    { action: 'unchanged', id: 'same', name: 'same', diff: [] },
  ],
  counts: { create: 1, update: 1, replace: 1, rename: 1, delete: 1, unchanged: 1 },
};

describe('text plan', () => {
  it('lists deletions first, then replace, rename, update with field diffs, create, and a summary', () => {
    const text = renderText(plan);
    const order = [
      '- delete old',
      '-/+ replace api',
      '~> rename web2 (from web)',
      '~ update shop',
      '+ create blog',
    ].map((line) => text.indexOf(line));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain('~ interval: "1m" → "2m"');
    expect(text).toContain('~ headers.Authorization: "Bearer ${TOKEN}" (secret value changed)');
    expect(text).toContain(
      'Plan: 1 to create, 1 to update, 1 to replace, 1 to rename, 1 to delete, 1 unchanged.',
    );
    expect(text).not.toContain('same');
    expect(text).not.toContain('\u001b[');
  });

  it('paints deletions red when colors are on', () => {
    expect(renderText(plan, { color: true })).toContain('\u001b[31m  - delete old "Old site"\u001b[0m');
  });

  it('says so when nothing changes', () => {
    const none: SyncPlan = {
      ...plan,
      changes: [{ action: 'unchanged', id: 'same', name: 'same', diff: [] }],
      counts: { create: 0, update: 0, replace: 0, rename: 0, delete: 0, unchanged: 1 },
    };
    expect(renderText(none)).toContain('No changes. The collector holds exactly these 1 monitors.');
  });

  it('speaks in the past tense for an applied plan', () => {
    expect(summaryLine({ ...plan, applied: true })).toBe(
      '1 created, 1 updated, 1 replaced, 1 renamed, 1 deleted, 1 unchanged',
    );
    expect(renderText({ ...plan, applied: true })).toContain('Vigil applied these changes:');
  });
});

describe('markdown plan', () => {
  const md = renderMarkdown(plan);

  it('puts deletions first under a warning and field diffs in collapsed blocks', () => {
    expect(md.indexOf('[!WARNING]')).toBeLessThan(md.indexOf('#### Replace'));
    expect(md).toContain('> - `old` Old site');
    expect(md).toMatch(/<details><summary>3 fields changed<\/summary>/);
    expect(md).toContain('| create | update | replace | rename | delete | unchanged |');
    expect(md).toContain('| 1 | 1 | 1 | 1 | 1 | 1 |');
    expect(md).toContain('Plan `p1234` for commit `abc123`');
  });

  it('neutralizes pipes, HTML and mentions in values and names', () => {
    expect(md).toContain('<code>[&quot;&lt;b&gt;&quot;]</code>'.replaceAll('&quot;', '"'));
    expect(md).toContain('a&#124;b');
    expect(md).not.toContain('@team');
    expect(md).toContain('(secret value changed)');
  });

  it('stays under the comment size limit for a huge plan', () => {
    const changes = Array.from({ length: 5000 }, (_, i) => ({
      action: 'update' as const,
      id: `m-${i}`,
      name: `m-${i}`,
      diff: [{ path: 'body', before: 'x'.repeat(500), after: 'y'.repeat(500) }],
    }));
    const big = renderMarkdown(
      { ...plan, changes, counts: { ...plan.counts, update: 5000 } },
      { maxPerAction: 5000 },
    );
    expect(big.length).toBeLessThan(65_536);
    expect(big).toContain('Cut to fit a comment');
    expect(big.split('<details>').length).toBe(big.split('</details>').length);
  });

  it('renders JSON as the plan itself', () => {
    expect(JSON.parse(renderPlan(plan, 'json'))).toEqual(plan);
  });
});
