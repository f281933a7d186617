// One file per invalid case, in the manner of blackbox_exporter's testdata/invalid-*.yml: each
// fixture states the exact diagnostics it must produce as `# expect: <code> <line>:<column>`
// comments, and must produce those and nothing else.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../schema/codes.ts';
import { loadMonitorFiles } from '../../schema/load.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = 'test/schema/fixtures/invalid';
const fixtures = readdirSync(join(ROOT, DIR))
  .filter((name) => name.endsWith('.yml'))
  .sort();

/** `# expect: code line:column` lines; read as latin1 so the non-UTF-8 fixture can be read too. */
function expectations(file: string): string[] {
  const text = readFileSync(join(ROOT, file)).toString('latin1');
  return [...text.matchAll(/^(?:\xef\xbb\xbf)?# expect: ([a-z0-9_]+) (\d+):(\d+)$/gm)].map(
    (m) => `${m[1]} ${m[2]}:${m[3]}`,
  );
}

// Phrases ajv uses; none may reach a person.
const AJV_WORDING =
  /must match (?:pattern|a schema)|must NOT|must be equal to|must have required|should|allowedValues|instancePath/;

describe('invalid fixtures', () => {
  it('has at least 40 cases', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
  });

  it.each(fixtures)('%s', async (name) => {
    const file = `${DIR}/${name}`;
    const expected = expectations(file);
    expect(expected.length, 'fixture declares its expected diagnostics').toBeGreaterThan(0);
    const { diagnostics, monitors } = await loadMonitorFiles([file], { cwd: ROOT });
    const actual = diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`);
    expect(actual.sort()).toEqual([...expected].sort());
    for (const d of diagnostics) {
      expect(d.file).toBe(file);
      expect(d.message).not.toMatch(AJV_WORDING);
      expect(d.message.length).toBeGreaterThan(10);
      expect(d.hint, `${d.code} has a hint`).toBeTruthy();
      expect(d.line).toBeGreaterThan(0);
      expect(d.endLine * 10_000 + d.endColumn).toBeGreaterThanOrEqual(d.line * 10_000 + d.column);
      expect(Object.keys(DIAGNOSTIC_CODES)).toContain(d.code);
    }
    // A file with errors yields no monitor from the erroneous entry; warnings alone do not.
    if (diagnostics.every((d) => d.severity === 'warning')) expect(monitors.length).toBeGreaterThan(0);
  });

  it('covers every diagnostic code (the rest are covered by the named tests)', () => {
    const covered = new Set(
      fixtures.flatMap((name) => expectations(`${DIR}/${name}`).map((e) => e.split(' ')[0])),
    );
    const elsewhere = {
      path_not_found: 'load.test.ts',
      no_files: 'load.test.ts',
      read_error: 'load.test.ts',
      file_too_large: 'load.test.ts',
      too_long: 'load.test.ts (a 64 KiB body is generated)',
      secret_missing: 'secrets.test.ts',
      yaml_too_large: 'yaml-hostile.test.ts (large files are generated)',
    };
    for (const code of Object.keys(elsewhere)) covered.add(code);
    const missing = Object.keys(DIAGNOSTIC_CODES).filter((code) => !covered.has(code));
    expect(missing).toEqual([]);
  });
});
