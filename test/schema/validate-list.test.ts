// validateMonitorList: the collector's re-validation of a sync request, without source text.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMonitorFiles } from '../../schema/load.ts';
import { toDocument } from '../../schema/normalize.ts';
import { validateMonitorList } from '../../schema/validate.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('validateMonitorList', () => {
  it('accepts the examples in their wire form and gives back the same specs', async () => {
    const { monitors } = await loadMonitorFiles(['monitors'], { cwd: ROOT });
    const specs = monitors.map((m) => m.spec);
    const result = validateMonitorList(JSON.parse(JSON.stringify(specs.map(toDocument))), 'sync request');
    expect(result).toEqual({ specs, diagnostics: [] });
  });

  it('applies the built-in defaults to keys left out', () => {
    const result = validateMonitorList([{ id: 'a', url: 'https://a.example.com/' }], 'sync');
    expect(result.diagnostics).toEqual([]);
    expect(result.specs[0]).toMatchObject({
      id: 'a',
      name: 'a',
      interval: 60_000,
      regions: null,
      flapping: { window: 21 },
    });
  });

  it('reports with the label as file, 0:0 positions and the path of the value', () => {
    const result = validateMonitorList(
      [
        { id: 'ok', url: 'https://ok.example.com/' },
        { id: 'late', url: 'https://late.example.com/', alert: { after: '2h' }, keyword: ['x'] },
      ],
      'POST /v1/sync',
    );
    expect(result.specs.map((s) => s.id)).toEqual(['ok']);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        file: 'POST /v1/sync',
        line: 0,
        column: 0,
        endLine: 0,
        endColumn: 0,
        code: 'duration_out_of_range',
        path: 'monitors[1].alert.after',
      }),
      expect.objectContaining({ code: 'unknown_key', path: 'monitors[1].keyword', line: 0 }),
    ]);
  });

  it('checks ids across the list: duplicates and renamed_from collisions', () => {
    const result = validateMonitorList(
      [
        { id: 'a', url: 'https://a.example.com/' },
        { id: 'a', url: 'https://b.example.com/' },
        { id: 'c', url: 'https://c.example.com/', renamed_from: 'a' },
      ],
      'sync',
    );
    expect(result.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual([
      'duplicate_id monitors[1].id',
      'renamed_from_collision monitors[2].renamed_from',
    ]);
    expect(result.diagnostics[0]?.message).toContain('sync monitors[0].id');
    expect(result.specs.map((s) => s.id)).toEqual(['a']);
  });

  it('refuses entries that are not mappings', () => {
    const result = validateMonitorList(
      [null, 'https://x.example.com/', [], { id: 'ok', url: 'https://ok.example.com/' }],
      'sync',
    );
    expect(result.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual([
      'not_a_mapping monitors[0]',
      'not_a_mapping monitors[1]',
      'not_a_mapping monitors[2]',
    ]);
    expect(result.specs.map((s) => s.id)).toEqual(['ok']);
  });

  it('runs the same rules as files do', () => {
    const result = validateMonitorList(
      [
        {
          id: 'x',
          url: 'http://::1/',
          headers: { Host: 'example.com' },
          body: 'a=1',
          timeout: '40s',
          interval: '30s',
          assertions: [{ source: 'status', operator: 'matches', value: '^2' }],
        },
      ],
      'sync',
    );
    expect(result.diagnostics.map((d) => d.code).sort()).toEqual([
      'assertion_operator',
      'body_not_allowed',
      'forbidden_header',
      'timeout_not_below_interval',
      'url_ipv6_brackets',
    ]);
  });
});
