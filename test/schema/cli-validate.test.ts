// `vigil validate` as a real process: output format, summary line and exit codes.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'cli', 'main.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function vigil(args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const GNU_LINE =
  /^(?<file>[^:\s]+):(?<line>\d+):(?<column>\d+): (?<severity>error|warning) (?<code>[a-z0-9_]+): (?<message>.+)$/;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Each test starts `node cli/main.ts` once or twice; on a loaded 2-core machine one start alone
// can take several seconds, so these get more than the default 30 s.
describe('vigil validate', { timeout: 120_000 }, () => {
  it('passes the examples with exit 0 and a summary', async () => {
    const run = await vigil(['validate']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('4 monitors in 3 files are valid\n');
  });

  it('validates monitors/ of the working directory by default', async () => {
    const work = join(dir, 'repo');
    await mkdir(work, { recursive: true });
    await cp(join(ROOT, 'monitors'), join(work, 'monitors'), { recursive: true });
    const run = await vigil(['validate'], work);
    expect(run).toMatchObject({ code: 0, stdout: '4 monitors in 3 files are valid\n' });
  });

  it('prints one GNU-style line per problem, the source line, a hint, then a summary, and exits 1', async () => {
    const run = await vigil([
      'validate',
      'test/schema/fixtures/invalid/key-typo-keyword.yml',
      'monitors/homepage.yml',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        'test/schema/fixtures/invalid/key-typo-keyword.yml:6:5: error unknown_key: unknown key `keyword` in monitor `site`; did you mean `keywords`?',
        '  6 |     keyword: [Welcome]',
        '    |     ^^^^^^^',
        '  hint: write `keywords`',
        '1 error in 1 file',
        '',
      ].join('\n'),
    );
  });

  it('reports every problem of every file in the fixtures folder', async () => {
    const run = await vigil(['validate', 'test/schema/fixtures/invalid']);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n').filter((line) => GNU_LINE.test(line));
    const files = new Set(lines.map((line) => GNU_LINE.exec(line)?.groups?.file));
    // Every fixture has at least one problem (and, read together, they share ids such as `site`,
    // so duplicate_id across files shows up too); the summary counts errors and files with errors.
    const fixtures = (await readdir(join(ROOT, 'test/schema/fixtures/invalid'))).filter((f) =>
      f.endsWith('.yml'),
    );
    expect(files.size).toBe(fixtures.length);
    expect(run.stdout).toContain(
      'error duplicate_id: id `site` is already used by the monitor at test/schema/fixtures/',
    );
    const errorLines = lines.filter((line) => GNU_LINE.exec(line)?.groups?.severity === 'error');
    const errorFiles = new Set(errorLines.map((line) => GNU_LINE.exec(line)?.groups?.file)).size;
    const warnings = lines.length - errorLines.length;
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      `${errorLines.length} errors in ${errorFiles} files (${warnings} warnings)`,
    );
  });

  it('prints the diagnostics as JSON with --format json', async () => {
    const run = await vigil([
      'validate',
      '--format',
      'json',
      'test/schema/fixtures/invalid/interval-too-short.yml',
    ]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      valid: false,
      files: ['test/schema/fixtures/invalid/interval-too-short.yml'],
      monitors: 0,
      errors: 1,
      warnings: 0,
      diagnostics: [
        {
          file: 'test/schema/fixtures/invalid/interval-too-short.yml',
          line: 6,
          column: 15,
          endLine: 6,
          endColumn: 18,
          code: 'duration_out_of_range',
          severity: 'error',
          path: 'monitors[0].interval',
        },
      ],
    });
    expect(report.diagnostics[0].hint).toBe('use at least 30s');
  });

  it('exits 0 on warnings only and says so in the summary', async () => {
    const run = await vigil(['validate', 'test/schema/fixtures/invalid/keywords-whitespace-only.yml']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/: warning empty_keyword: /);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('1 monitor in 1 file is valid (1 warning)');
  });

  it('exits 2 for a path that does not exist', async () => {
    const run = await vigil(['validate', 'no/such/folder']);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('no/such/folder: error path_not_found: `no/such/folder` does not exist');
  });

  it('exits 2 for a folder without monitor files', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    await writeFile(join(empty, 'notes.txt'), 'nothing');
    const run = await vigil(['validate', empty]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('error no_files');
  });

  it('exits 2 for an unknown flag or format, with the reason on stderr', async () => {
    const flag = await vigil(['validate', '--strict']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('vigil validate:');
    const format = await vigil(['validate', '--format', 'xml']);
    expect(format).toMatchObject({
      code: 2,
      stderr: 'vigil validate: --format must be text or json, not `xml`\n',
    });
  });

  it('shows its usage with --help', async () => {
    const run = await vigil(['validate', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('usage: vigil validate [paths...] [--format text|json]');
  });
});
