// The store contract, monitors and settings: the sync transaction (create, update, rename,
// replace, delete), revisions and archives, secrets kept apart, and the runtime's view of them.
import { describe, expect, it } from 'vitest';
import type { MonitorUpdate } from '../../../collector/store/types.ts';
import type { MonitorSpec } from '../../../schema/types.ts';
import { makeSpec } from '../../collector/fixtures.ts';
import { create, T0, writes } from '../fixtures.ts';
import type { ContractContext } from './context.ts';

function update(historyId: number, spec: MonitorSpec, fields: Partial<MonitorUpdate> = {}): MonitorUpdate {
  return {
    historyId,
    action: 'update',
    spec,
    specHash: `h2-${spec.id}`,
    secretHashes: {},
    secrets: {},
    diff: [],
    ...fields,
  };
}

export function monitorCases(ctx: ContractContext): void {
  describe('monitors', () => {
    it('creates, lists and gets monitors with revision 1 and the git revision', async () => {
      await ctx.seed(2);
      const list = await ctx.store.monitors.list();
      expect(list.map((m) => m.id).sort()).toEqual(['m1', 'm2']);
      const m1 = await ctx.store.monitors.get('m1');
      expect(m1).toMatchObject({ id: 'm1', name: 'm1', revision: 1, gitRevision: 'abc123', createdAt: T0 });
      expect(m1!.spec).toEqual(makeSpec('m1'));
      expect(await ctx.store.monitors.get('nope')).toBeUndefined();
    });

    it('keeps secret values apart from the record, for the runtime only', async () => {
      await ctx.store.monitors.sync(() => ({
        result: null,
        writes: writes({ creates: [create(makeSpec('s1'), { TOKEN: 'v4lue' })] }),
      }));
      expect(JSON.stringify(await ctx.store.monitors.get('s1'))).not.toContain('v4lue');
      expect(await ctx.store.monitors.secrets('s1')).toEqual({ TOKEN: 'v4lue' });
      const runtime = await ctx.store.runtime.loadMonitors();
      expect(runtime.find((r) => r.record.id === 's1')?.secrets).toEqual({ TOKEN: 'v4lue' });
    });

    it('updates and renames keep the lineage and count revisions', async () => {
      const historyId = (await ctx.seed(1)).get('m1')!;
      const renamed = makeSpec('m1-new', { name: 'renamed' });
      const diff = [{ path: 'id', before: 'm1', after: 'm1-new' }];
      await ctx.store.monitors.sync(() => ({
        result: null,
        writes: writes({ at: T0 + 1000, updates: [update(historyId, renamed, { action: 'rename', diff })] }),
      }));
      expect(await ctx.store.monitors.get('m1')).toBeUndefined();
      expect(await ctx.store.monitors.get('m1-new')).toMatchObject({
        historyId,
        revision: 2,
        name: 'renamed',
      });
      const revisions = await ctx.store.monitors.revisions('m1-new');
      expect(revisions.map((r) => [r.revision, r.action])).toEqual([
        [1, 'create'],
        [2, 'rename'],
      ]);
      expect(revisions[1]).toMatchObject({ monitorId: 'm1-new', diff, appliedAt: T0 + 1000 });
    });

    it('an update stores the new spec, secrets, spec hash and git revision', async () => {
      const historyId = (await ctx.seed(1)).get('m1')!;
      const changed = makeSpec('m1', { interval: 120_000 });
      await ctx.store.monitors.sync(() => ({
        result: null,
        writes: writes({
          at: T0 + 7,
          gitRevision: 'def456',
          updates: [update(historyId, changed, { secrets: { KEY: 'new' } })],
        }),
      }));
      expect(await ctx.store.monitors.get('m1')).toMatchObject({
        revision: 2,
        spec: changed,
        specHash: 'h2-m1',
        gitRevision: 'def456',
        createdAt: T0,
        updatedAt: T0 + 7,
      });
      expect(await ctx.store.monitors.secrets('m1')).toEqual({ KEY: 'new' });
      expect(await ctx.store.runtime.loadMonitorVersions()).toEqual([
        { historyId, id: 'm1', revision: 2, specHash: 'h2-m1' },
      ]);
      const revisions = await ctx.store.monitors.revisions('m1');
      expect(revisions[1]).toMatchObject({ action: 'update', spec: changed, gitRevision: 'def456' });
    });

    it('deletes archive the lineage', async () => {
      const ids = await ctx.seed(2);
      await ctx.store.monitors.sync(() => ({
        result: null,
        writes: writes({ at: T0 + 5000, deletes: [ids.get('m2')!] }),
      }));
      expect((await ctx.store.monitors.list()).map((m) => m.id)).toEqual(['m1']);
      expect(await ctx.store.monitors.archived('m2')).toMatchObject([
        { id: 'm2', reason: 'delete', archivedAt: T0 + 5000 },
      ]);
    });

    it('a replace archives the old lineage and starts a new one', async () => {
      const ids = await ctx.seed(1);
      const moved = makeSpec('m1', { url: 'https://elsewhere.example.invalid/' });
      await ctx.store.monitors.sync(() => ({
        result: null,
        writes: writes({ at: T0 + 1, creates: [{ ...create(moved), replaces: ids.get('m1')! }] }),
      }));
      const now = await ctx.store.monitors.get('m1');
      expect(now!.historyId).not.toBe(ids.get('m1'));
      expect(now!.spec.url).toBe('https://elsewhere.example.invalid/');
      expect(await ctx.store.monitors.archived('m1')).toMatchObject([
        { historyId: ids.get('m1'), reason: 'replace', replacedBy: now!.historyId },
      ]);
    });

    it('never hands out a lineage id twice, even after the newest was deleted', async () => {
      const ids = await ctx.seed(2);
      await ctx.store.monitors.sync(() => ({ result: null, writes: writes({ deletes: [ids.get('m2')!] }) }));
      await ctx.store.monitors.sync(() => ({
        result: null,
        writes: writes({ creates: [create(makeSpec('m3'))] }),
      }));
      const m3 = await ctx.store.monitors.get('m3');
      expect([...ids.values()]).not.toContain(m3!.historyId);
    });

    it('a decision that throws leaves the store unchanged, and a dry run writes nothing', async () => {
      await ctx.seed(1);
      await expect(
        ctx.store.monitors.sync(() => {
          throw new Error('no');
        }),
      ).rejects.toThrow('no');
      const result = await ctx.store.monitors.sync((current) => ({ result: current.length, writes: null }));
      expect(result).toBe(1);
      expect((await ctx.store.monitors.list()).length).toBe(1);
    });

    it('a write that fails rolls the whole sync back', async () => {
      const historyId = (await ctx.seed(1)).get('m1')!;
      // Two new monitors under one id: whatever the store wrote before that fails goes too.
      const failing = writes({
        updates: [update(historyId, makeSpec('m1', { name: 'changed' }))],
        creates: [create(makeSpec('m2')), create(makeSpec('m2'))],
      });
      await expect(ctx.store.monitors.sync(() => ({ result: null, writes: failing }))).rejects.toThrow();
      expect((await ctx.store.monitors.list()).map((m) => [m.id, m.name, m.revision])).toEqual([
        ['m1', 'm1', 1],
      ]);
    });

    it('concurrent syncs serialize: no lost update', async () => {
      await Promise.all(
        ['a', 'b', 'c'].map((id) =>
          ctx.store.monitors.sync((current) => ({
            result: null,
            writes: current.some((m) => m.id === id) ? null : writes({ creates: [create(makeSpec(id))] }),
          })),
        ),
      );
      expect((await ctx.store.monitors.list()).map((m) => m.id).sort()).toEqual(['a', 'b', 'c']);
    });

    it('the runtime loads all current monitors or only the lineages asked for', async () => {
      const ids = await ctx.seed(3);
      expect((await ctx.store.runtime.loadMonitors()).map((r) => r.record.id).sort()).toEqual([
        'm1',
        'm2',
        'm3',
      ]);
      const some = await ctx.store.runtime.loadMonitors([ids.get('m2')!, ids.get('m3')!]);
      expect(some.map((r) => r.record.id).sort()).toEqual(['m2', 'm3']);
    });
  });

  describe('settings', () => {
    it('sets a value once: the first writer wins, per key', async () => {
      expect(await ctx.store.settings.get('k')).toBeUndefined();
      expect(await ctx.store.settings.setIfAbsent('k', 'one')).toBe('one');
      expect(await ctx.store.settings.setIfAbsent('k', 'two')).toBe('one');
      expect(await ctx.store.settings.get('k')).toBe('one');
      expect(await ctx.store.settings.setIfAbsent('other', 'two')).toBe('two');
    });
  });
}
