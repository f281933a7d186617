// Diagnostics become GitHub annotations: repository-relative paths, GitHub's column rules, at most
// 10 errors and 10 warnings, and one notice counting the rest.
import { describe, expect, it } from 'vitest';
import { ANNOTATION_LIMIT, buildAnnotations, repoRelative } from '../../action/src/annotations.ts';
import type { Diagnostic } from '../../schema/types.ts';

const WS = '/home/runner/work/site/site';

function diag(over: Partial<Diagnostic>): Diagnostic {
  return {
    file: 'monitors/api.yml',
    line: 3,
    column: 5,
    endLine: 3,
    endColumn: 12,
    code: 'unknown_key',
    message: 'unknown key `keyword`; did you mean `keywords`?',
    severity: 'error',
    ...over,
  };
}

describe('repoRelative', () => {
  it('makes absolute and relative paths relative to the workspace, with forward slashes', () => {
    expect(repoRelative(`${WS}/monitors/a.yml`, WS)).toBe('monitors/a.yml');
    expect(repoRelative('monitors/a.yml', WS)).toBe('monitors/a.yml');
    expect(repoRelative('./monitors/../monitors/a.yml', WS)).toBe('monitors/a.yml');
  });
});

describe('buildAnnotations', () => {
  it('annotates an error at its file, line and columns with the code as title and the fix', () => {
    const [a] = buildAnnotations(
      [diag({ file: `${WS}/monitors/api.yml`, hint: 'rename it to `keywords`' })],
      WS,
    );
    expect(a).toEqual({
      kind: 'error',
      message: 'unknown key `keyword`; did you mean `keywords`?\nFix: rename it to `keywords`',
      properties: {
        title: 'unknown_key',
        file: 'monitors/api.yml',
        startLine: 3,
        endLine: 3,
        startColumn: 5,
        endColumn: 11,
      },
    });
  });

  it('sends no columns for a span over several lines (GitHub refuses them)', () => {
    const [a] = buildAnnotations([diag({ line: 4, column: 3, endLine: 9, endColumn: 7 })], WS);
    expect(a?.properties).toEqual({
      title: 'unknown_key',
      file: 'monitors/api.yml',
      startLine: 4,
      endLine: 9,
    });
  });

  it('treats an exclusive end at column 1 as ending on the line before', () => {
    const [a] = buildAnnotations([diag({ line: 4, column: 3, endLine: 5, endColumn: 1 })], WS);
    expect(a?.properties).toMatchObject({ startLine: 4, endLine: 4, startColumn: 3 });
  });

  it('annotates a diagnostic without a position on the file alone', () => {
    const [a] = buildAnnotations(
      [diag({ line: 0, column: 0, endLine: 0, endColumn: 0, code: 'read_error' })],
      WS,
    );
    expect(a?.properties).toEqual({ title: 'read_error', file: 'monitors/api.yml' });
  });

  it('makes warnings warning annotations', () => {
    const [a] = buildAnnotations([diag({ severity: 'warning', code: 'deprecated' })], WS);
    expect(a?.kind).toBe('warning');
  });

  it('annotates the first 10 errors and 10 warnings in file/line order and counts the rest in one notice', () => {
    const errors = Array.from({ length: 13 }, (_, i) =>
      diag({ file: i % 2 ? 'monitors/b.yml' : 'monitors/a.yml', line: 20 - i, endLine: 20 - i }),
    );
    const warnings = Array.from({ length: 11 }, (_, i) =>
      diag({ severity: 'warning', line: i + 1, endLine: i + 1 }),
    );
    const annotations = buildAnnotations([...errors, ...warnings], WS);
    const kinds = annotations.map((a) => a.kind);
    expect(kinds.filter((k) => k === 'error')).toHaveLength(ANNOTATION_LIMIT);
    expect(kinds.filter((k) => k === 'warning')).toHaveLength(ANNOTATION_LIMIT);
    expect(kinds.filter((k) => k === 'notice')).toHaveLength(1);
    expect(annotations.at(-1)?.message).toBe(
      '3 more errors and 1 more warning not annotated here (GitHub shows at most 10 of each per step); the job summary lists all 24 problems.',
    );
    const shownErrors = annotations
      .filter((a) => a.kind === 'error')
      .map((a) => `${a.properties.file}:${a.properties.startLine}`);
    // a.yml first (7 errors, lines 8..20 step 2), then the first 3 of b.yml.
    expect(shownErrors.slice(0, 7)).toEqual(
      ['8', '10', '12', '14', '16', '18', '20'].map((l) => `monitors/a.yml:${l}`),
    );
    expect(shownErrors.slice(7)).toEqual(['monitors/b.yml:9', 'monitors/b.yml:11', 'monitors/b.yml:13']);
  });

  it('adds no notice when everything fits', () => {
    const annotations = buildAnnotations(
      Array.from({ length: 10 }, (_, i) => diag({ line: i + 1, endLine: i + 1 })),
      WS,
    );
    expect(annotations.map((a) => a.kind)).toEqual(Array(10).fill('error'));
  });
});

describe('buildAnnotations without a file', () => {
  it('annotates the run when a diagnostic names no file', () => {
    const [a] = buildAnnotations([diag({ file: '', line: 0, column: 0, endLine: 0, endColumn: 0 })], WS);
    expect(a?.properties).toEqual({ title: 'unknown_key' });
  });
});
