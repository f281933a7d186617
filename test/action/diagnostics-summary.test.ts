// The job summary lists every diagnostic (annotations stop at 10), linked to its line.
import { describe, expect, it } from 'vitest';
import { SUMMARY_ROW_LIMIT, validationSummary } from '../../action/src/diagnostics-summary.ts';
import type { Diagnostic } from '../../schema/types.ts';

const WS = '/ws';
const BLOB = 'https://github.com/acme/site/blob/abc';

function diag(over: Partial<Diagnostic>): Diagnostic {
  return {
    file: 'monitors/a.yml',
    line: 2,
    column: 3,
    endLine: 2,
    endColumn: 9,
    code: 'missing_key',
    message: 'm',
    severity: 'error',
    ...over,
  };
}

describe('validationSummary', () => {
  it('says how many monitors in how many files are valid', () => {
    const text = validationSummary({
      diagnostics: [],
      monitorCount: 3,
      fileCount: 2,
      path: 'monitors',
      workspace: WS,
      blobUrl: BLOB,
    });
    expect(text).toBe('### ✅ Vigil: 3 monitors in 2 files under `monitors` are valid\n');
  });

  it('lists every problem in a table with links, escaping pipes and HTML, and the fix', () => {
    const text = validationSummary({
      diagnostics: [
        diag({ file: '/ws/monitors/b.yml', line: 7, message: 'value `a|b` is <wrong>', hint: 'use `c`' }),
        diag({ line: 4, severity: 'warning', code: 'odd' }),
      ],
      monitorCount: 0,
      fileCount: 2,
      path: 'monitors',
      workspace: WS,
      blobUrl: BLOB,
    });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('### ❌ Vigil: 1 error and 1 warning in 2 files under `monitors`');
    expect(lines).toContain('| Where | Severity | Code | Problem |');
    expect(lines).toContain(`| [monitors/a.yml:4:3](${BLOB}/monitors/a.yml#L4) | ⚠️ warning | \`odd\` | m |`);
    expect(lines).toContain(
      `| [monitors/b.yml:7:3](${BLOB}/monitors/b.yml#L7) | ❌ error | \`missing_key\` | value \`a\\|b\` is &lt;wrong&gt;<br>Fix: use \`c\` |`,
    );
  });

  it('counts rather than lists beyond the row limit', () => {
    const many = Array.from({ length: SUMMARY_ROW_LIMIT + 5 }, (_, i) => diag({ line: i + 1 }));
    const text = validationSummary({
      diagnostics: many,
      monitorCount: 0,
      fileCount: 1,
      path: 'm',
      workspace: WS,
      blobUrl: null,
    });
    expect(text.split('\n').filter((l) => l.startsWith('| monitors/a.yml'))).toHaveLength(SUMMARY_ROW_LIMIT);
    expect(text).toContain('…and 5 more problems');
  });
});
