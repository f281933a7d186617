// Text a monitor carries must be Unicode the whole way through: a lone UTF-16 surrogate (from a
// YAML or JSON `\ud800` escape) cannot be stored by every engine (PostgreSQL refuses it, and
// turning it into U+FFFD would change the monitor behind its author's back), nor sent to GitHub
// as it is. So it is refused at the line, in files and in POST /v1/sync alike.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMonitorFiles } from '../../schema/load.ts';
import type { ApiError } from '../../schema/plan-types.ts';
import { type Built, build } from '../collector/build.ts';
import { doc } from '../collector/fixtures.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function load(text: string) {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-text-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'm.yml'), text);
  return loadMonitorFiles(['m.yml'], { cwd: dir });
}

describe('lone surrogates', () => {
  it('are refused in a file, at the value, with the field named', async () => {
    const { monitors, diagnostics } = await load(
      'monitors:\n  - id: a\n    name: "Shop \\ud800 front"\n    url: https://a.example.com/\n    keywords: [ok, "x\\udfffy"]\n',
    );
    expect(monitors).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ['invalid_text', 3, 11],
      ['invalid_text', 5, 20],
    ]);
    expect(diagnostics[0]!.message).toContain('`name`');
    expect(diagnostics[1]!.message).toContain('`keywords[1]`');
  });

  it('are refused in a header name or value and in defaults', async () => {
    const { diagnostics } = await load(
      'defaults:\n  headers: {X-Team: "a\\ud83d"}\nmonitors:\n  - id: a\n    url: https://a.example.com/\n',
    );
    expect(diagnostics.map((d) => d.code)).toContain('invalid_text');
  });

  it('leave paired surrogates (emoji) alone', async () => {
    const { monitors, diagnostics } = await load(
      'monitors:\n  - id: a\n    name: "Shop \\ud83d\\ude00"\n    url: https://a.example.com/\n',
    );
    expect(diagnostics).toEqual([]);
    expect(monitors[0]!.spec.name).toBe('Shop 😀');
  });

  it('are refused by POST /v1/sync with 400 and the path, never stored', async () => {
    let b: Built | undefined = await build();
    cleanups.push(async () => {
      await b?.destroy();
      b = undefined;
    });
    const response = await b.sync({ monitors: [doc('api', { name: 'Api \ud800' })] });
    expect(response.statusCode).toBe(400);
    const body = response.json() as ApiError;
    expect(body.diagnostics?.map((d) => [d.code, d.path])).toEqual([['invalid_text', 'monitors[0].name']]);
    expect(((await b.get('/v1/monitors')).json() as { monitors: unknown[] }).monitors).toEqual([]);
  });
});
