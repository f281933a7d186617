// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here.
import { describe, expect, it } from 'vitest';
import { specHash } from '../../schema/hash.ts';
import { countChanges, diffPlan, fieldDiff, hasChanges, type PlanEntry, planId } from '../../schema/plan.ts';
import type { MonitorSpec } from '../../schema/types.ts';
import { makeSpec } from './fixtures.ts';

function entry(spec: MonitorSpec, secretHashes: Record<string, string> = {}): PlanEntry {
  return { spec, hash: specHash(spec, secretHashes), secretHashes };
}

const summary = (changes: ReturnType<typeof diffPlan>) =>
  changes.map((c) => `${c.action} ${c.id}${c.from === undefined ? '' : `<-${c.from}`}`);

describe('diffPlan', () => {
  it('orders delete, replace, rename, update, create, unchanged, by id within each', () => {
    const current = [
      makeSpec('z'),
      makeSpec('a'),
      makeSpec('old'),
      makeSpec('m'),
      makeSpec('keep'),
      makeSpec('b'),
    ].map((s) => entry(s));
    const desired = [
      makeSpec('m', { interval: 120_000 }),
      makeSpec('new'),
      makeSpec('renamed', { renamed_from: 'old', url: makeSpec('old').url }),
      makeSpec('keep'),
      makeSpec('b', { method: 'HEAD' }),
      makeSpec('a', { url: 'https://elsewhere.invalid/' }),
    ].map((s) => entry(s));
    const changes = diffPlan(current, desired, { prune: true });
    expect(summary(changes)).toEqual([
      'delete z',
      'replace a',
      'replace b',
      'rename renamed<-old',
      'update m',
      'create new',
      'unchanged keep',
    ]);
    expect(countChanges(changes)).toEqual({
      create: 1,
      update: 1,
      replace: 2,
      rename: 1,
      delete: 1,
      unchanged: 1,
    });
    expect(changes.find((c) => c.id === 'renamed')!.diff).toEqual([
      { path: 'name', before: 'old', after: 'renamed' },
    ]);
    expect(changes.find((c) => c.id === 'm')!.diff).toEqual([
      { path: 'interval', before: '1m', after: '2m' },
    ]);
  });

  it('does not delete without prune', () => {
    const changes = diffPlan([entry(makeSpec('a'))], [], { prune: false });
    expect(changes).toEqual([]);
    expect(hasChanges(countChanges(changes))).toBe(false);
  });

  it('creates when renamed_from names nothing current, or an id still declared', () => {
    const current = [entry(makeSpec('a'))];
    expect(
      summary(
        diffPlan(current, [entry(makeSpec('b', { renamed_from: 'ghost' })), entry(makeSpec('a'))], {
          prune: true,
        }),
      ),
    ).toEqual(['create b', 'unchanged a']);
    expect(
      summary(
        diffPlan(current, [entry(makeSpec('b', { renamed_from: 'a' })), entry(makeSpec('a'))], {
          prune: true,
        }),
      ),
    ).toEqual(['create b', 'unchanged a']);
  });

  it('treats a rename that also changes the url as a replace from the old id', () => {
    const changes = diffPlan(
      [entry(makeSpec('a'))],
      [entry(makeSpec('b', { renamed_from: 'a', url: 'https://other.invalid/' }))],
      { prune: true },
    );
    expect(summary(changes)).toEqual(['replace b<-a']);
    expect(changes[0]!.diff.map((d) => d.path)).toEqual(['name', 'url']);
  });

  it('lets only one monitor take over a renamed id', () => {
    const changes = diffPlan(
      [entry(makeSpec('a'))],
      [
        entry(makeSpec('b', { renamed_from: 'a', url: makeSpec('a').url })),
        entry(makeSpec('c', { renamed_from: 'a', url: makeSpec('a').url })),
      ],
      { prune: true },
    );
    expect(summary(changes)).toEqual(['rename b<-a', 'create c']);
  });

  it('an update that removes renamed_from after the rename shows it', () => {
    const changes = diffPlan([entry(makeSpec('b', { renamed_from: 'a' }))], [entry(makeSpec('b'))], {
      prune: true,
    });
    expect(changes[0]).toMatchObject({
      action: 'update',
      diff: [{ path: 'renamed_from', before: 'a', after: null }],
    });
  });
});

describe('fieldDiff', () => {
  it('walks objects and same-length arrays; reports whole values otherwise, in the language form', () => {
    const before = entry(
      makeSpec('a', {
        headers: { 'X-One': '1' },
        keywords: ['a', 'b'],
        regions: ['eu'],
        assertions: [{ source: 'status', operator: 'eq', value: 200 }],
        alert: { ...makeSpec('a').alert, remind_every: 0 },
      }),
    );
    const after = entry(
      makeSpec('a', {
        headers: { 'X-One': '2', 'X.Two': 'x' },
        keywords: ['a', 'c'],
        regions: ['eu', 'us'],
        assertions: [{ source: 'status', operator: 'eq', value: 204 }],
        alert: { ...makeSpec('a').alert, remind_every: 3_600_000 },
        flapping: false,
      }),
    );
    expect(fieldDiff(before, after)).toEqual([
      { path: 'headers.X-One', before: '1', after: '2' },
      { path: 'headers["X.Two"]', before: null, after: 'x' },
      { path: 'keywords[1]', before: 'b', after: 'c' },
      { path: 'assertions[0].value', before: 200, after: 204 },
      { path: 'regions', before: ['eu'], after: ['eu', 'us'] },
      { path: 'flapping', before: { window: 21, low: 25, high: 50 }, after: false },
      { path: 'alert.remind_every', before: '0s', after: '1h' },
    ]);
  });

  it('flags fields whose referenced secret value changed, without any value', () => {
    const spec = makeSpec('a', { url: 'https://a.invalid/${P}', headers: { Authorization: 'Bearer ${T}' } });
    const before = entry(spec, { T: 'f1', P: 'p1' });
    const after = entry(spec, { T: 'f2', P: 'p1' });
    expect(before.hash).not.toBe(after.hash);
    const changes = diffPlan([before], [after], { prune: true });
    expect(changes[0]).toMatchObject({
      action: 'update',
      diff: [
        { path: 'headers.Authorization', before: 'Bearer ${T}', after: 'Bearer ${T}', secretChanged: true },
      ],
    });
  });
});

describe('planId', () => {
  const a = entry(makeSpec('a'));
  const b = entry(makeSpec('b'));
  it('depends on current state, desired state and prune, not on order', () => {
    const id = planId([a], [a, b], { prune: true });
    expect(planId([a], [b, a], { prune: true })).toBe(id);
    expect(planId([a], [a, b], { prune: false })).not.toBe(id);
    expect(planId([], [a, b], { prune: true })).not.toBe(id);
    expect(planId([a], [a, entry(makeSpec('b', { interval: 120_000 }))], { prune: true })).not.toBe(id);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});
