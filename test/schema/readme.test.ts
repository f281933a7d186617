// The README tells the truth: its reference is what the schema generates, its YAML snippets are
// valid, and its sample output is what `vigil validate` prints.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMonitorFiles } from '../../schema/load.ts';
import { withReference } from '../../schema/reference.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let readme: string;
let dir: string;

beforeAll(async () => {
  readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  dir = await mkdtemp(join(tmpdir(), 'vigil-readme-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Bodies of the fenced code blocks with this info string ('' for plain blocks). */
function blocks(language: string): string[] {
  const found: string[] = [];
  let open: { language: string; lines: string[] } | null = null;
  for (const line of readme.split('\n')) {
    const fence = /^```(\w*)$/.exec(line);
    if (open === null && fence !== null) open = { language: fence[1] as string, lines: [] };
    else if (open !== null && line === '```') {
      if (open.language === language) found.push(`${open.lines.join('\n')}\n`);
      open = null;
    } else open?.lines.push(line);
  }
  return found;
}

describe('README.md', () => {
  it('holds the reference generated from the schema (run `node schema/reference.ts --write`)', () => {
    expect(readme).toBe(withReference(readme));
  });

  it('names the two commands of a fresh clone', () => {
    expect(readme).toContain('./vigil up');
    expect(readme).toContain('./scripts/test');
  });

  it('shows only valid YAML examples', async () => {
    const snippets = blocks('yaml');
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    for (const [index, snippet] of snippets.entries()) {
      const text = snippet.includes('monitors:')
        ? snippet
        : `monitors:\n  - id: snippet\n    url: https://example.com/\n${snippet.replace(/^/gm, '    ')}`;
      const file = join(dir, `snippet-${index}.yml`);
      await writeFile(file, text);
      const result = await loadMonitorFiles([file]);
      expect(result.diagnostics, snippet).toEqual([]);
      expect(result.monitors.length).toBeGreaterThan(0);
    }
  });

  // Starts `node cli/main.ts`: slow on a loaded machine, hence more than the default 30 s.
  it('shows the output vigil validate really prints', { timeout: 120_000 }, async () => {
    const sample = blocks('').find((block) => block.includes('error unknown_key'));
    expect(sample).toBeDefined();
    const work = join(dir, 'sample');
    await mkdir(join(work, 'monitors'), { recursive: true });
    await writeFile(
      join(work, 'monitors', 'shop.yml'),
      'monitors:\n  - id: shop\n    url: https://shop.example.com/\n    keyword: [Add to cart]\n    interval: 15s\n    timeout: 20s\n',
    );
    const stdout = await new Promise<string>((resolve) => {
      execFile(process.execPath, [join(ROOT, 'cli', 'main.ts'), 'validate'], { cwd: work }, (_error, out) =>
        resolve(out),
      );
    });
    expect(stdout).toBe(sample);
  });
});
