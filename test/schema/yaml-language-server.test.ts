// monitors.schema.json as editors see it: the real yaml-language-server (the server of VS Code's
// YAML extension, Neovim, Helix, Zed) over LSP, with the schema named by the
// `# yaml-language-server: $schema=` line the README and the example monitors use. Inline errors
// for out-of-range durations, a timeout not below the interval, unknown keys and wrong types;
// completion and hover from the schema; no errors on the example monitors.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDuration } from '../../schema/duration.ts';
import { DURATION_RANGES } from '../../schema/limits.ts';
import { loadMonitorFiles } from '../../schema/load.ts';
import { hoverText, type LspDiagnostic, YamlLanguageServer } from '../support/lsp-yaml.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const MODELINE = '# yaml-language-server: $schema=../schema/monitors.schema.json';

let dir: string;
let server: YamlLanguageServer;
let opened = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-yls-'));
  await mkdir(join(dir, 'schema'));
  await mkdir(join(dir, 'monitors'));
  // The repository's schema, where the modeline of a file in monitors/ finds it.
  await copyFile(join(ROOT, 'schema/monitors.schema.json'), join(dir, 'schema/monitors.schema.json'));
  server = await YamlLanguageServer.start(dir);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Writes a monitor file under the temp monitors/ and opens it; resolves with its diagnostics. */
async function check(body: string): Promise<{ uri: string; text: string; diagnostics: LspDiagnostic[] }> {
  opened += 1;
  const file = join(dir, 'monitors', `m${opened}.yml`);
  const text = `${MODELINE}\n${body}`;
  await writeFile(file, text);
  const uri = pathToFileURL(file).href;
  return { uri, text, diagnostics: await server.open(uri, text) };
}

/** The 0-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`${needle} not in text`);
  return index;
}

function monitor(extra: string): string {
  return `monitors:\n  - id: shop\n    url: https://shop.example.com/\n${extra}`;
}

/** Codes `vigil validate` gives the same file. */
async function validateCodes(text: string): Promise<string[]> {
  const file = join(dir, `validate-${opened}.yml`);
  await writeFile(file, text);
  const result = await loadMonitorFiles([file]);
  return result.diagnostics.map((d) => d.code);
}

describe('yaml-language-server with monitors.schema.json', () => {
  it('flags an interval below its minimum on the interval line', async () => {
    const { text, diagnostics } = await check(monitor('    interval: 5s\n    timeout: 2s\n'));
    expect(diagnostics.map((d) => d.range.start.line)).toEqual([lineOf(text, 'interval:')]);
    expect(diagnostics[0]?.message).toBe('`interval` must be 30s..24h');
    expect(await validateCodes(text)).toEqual(['duration_out_of_range']);
  });

  it('flags a timeout not shorter than the interval on the timeout line', async () => {
    const { text, diagnostics } = await check(monitor('    interval: 30s\n    timeout: 45s\n'));
    expect(diagnostics.map((d) => d.range.start.line)).toEqual([lineOf(text, 'timeout:')]);
    expect(diagnostics[0]?.message).toBe('`timeout` must be shorter than `interval` (30s)');
    expect(await validateCodes(text)).toEqual(['timeout_not_below_interval']);
  });

  it('flags a timeout equal to the interval, and a timeout over the built-in interval of 1m', async () => {
    const equal = await check(monitor('    interval: 1m\n    timeout: 60s\n'));
    expect(equal.diagnostics.map((d) => d.range.start.line)).toEqual([lineOf(equal.text, 'timeout:')]);
    // No interval written: the built-in 1m applies, and 60s is not below it.
    const builtin = await check(monitor('    timeout: 60s\n'));
    expect(builtin.diagnostics.map((d) => d.range.start.line)).toEqual([lineOf(builtin.text, 'timeout:')]);
    expect(await validateCodes(builtin.text)).toEqual(['timeout_not_below_interval']);
  });

  it('compares a timeout with the interval it inherits from defaults:', async () => {
    const body = `defaults:\n  interval: 45s\nmonitors:\n  - id: shop\n    url: https://shop.example.com/\n    timeout: 50s\n`;
    const { text, diagnostics } = await check(body);
    expect(diagnostics.map((d) => d.range.start.line)).toEqual([lineOf(text, 'timeout:')]);
    expect(diagnostics[0]?.message).toBe('`timeout` must be shorter than `interval` (45s)');
    expect(await validateCodes(text)).toEqual(['timeout_not_below_interval']);
    // A monitor with its own interval is not held to the default one.
    const own = await check(`${body}    interval: 5m\n`);
    expect(own.diagnostics).toEqual([]);
  });

  it('leaves uncarried spellings (a later unit at or above its carry) to vigil validate', async () => {
    const { text, diagnostics } = await check(monitor('    interval: 0m5000ms\n    timeout: 2s\n'));
    expect(diagnostics).toEqual([]);
    expect(await validateCodes(text)).toEqual(['duration_out_of_range']);
  });

  it('accepts a timeout just below the interval, in other units', async () => {
    const { diagnostics } = await check(monitor('    interval: 1m\n    timeout: 59s999ms\n'));
    expect(diagnostics).toEqual([]);
  });

  it('flags each duration key just outside its range, and accepts its bounds', async () => {
    for (const range of DURATION_RANGES) {
      const outside = [range.max + 1, ...(range.min > 0 ? [range.min - 1] : [])];
      const inside = [range.min, range.max, ...(range.zeroAllowed ? [0] : [])];
      for (const [ms, expected] of [
        ...outside.map((ms) => [ms, 1] as const),
        ...inside.map((ms) => [ms, 0] as const),
      ]) {
        const value = ms === 0 ? '0' : formatDuration(ms);
        const body =
          range.field === 'maintenance.*.duration'
            ? monitor(`    maintenance:\n      - cron: "0 3 * * 0"\n        duration: ${value}\n`)
            : range.field.startsWith('alert.')
              ? monitor(`    alert:\n      ${range.field.slice(6)}: ${value}\n`)
              : range.field === 'timeout'
                ? monitor(`    interval: 24h\n    timeout: ${value}\n`)
                : monitor(`    ${range.field}: ${value}\n    timeout: 1s\n`);
        const { diagnostics } = await check(body);
        expect(diagnostics.length, `${range.field}: ${value}`).toBe(expected);
      }
    }
  });

  it('flags an unknown key and a wrong type', async () => {
    const unknown = await check(monitor('    keyword: [Add to cart]\n'));
    expect(unknown.diagnostics.map((d) => d.range.start.line)).toEqual([lineOf(unknown.text, 'keyword:')]);
    expect(unknown.diagnostics[0]?.message).toContain('keyword');
    expect(await validateCodes(unknown.text)).toEqual(['unknown_key']);
    const wrongType = await check(monitor('    follow_redirects: lots\n'));
    expect(wrongType.diagnostics.map((d) => d.range.start.line)).toEqual([
      lineOf(wrongType.text, 'follow_redirects:'),
    ]);
    expect(wrongType.diagnostics[0]?.message).toContain('integer');
    expect(await validateCodes(wrongType.text)).toEqual(['wrong_type']);
  });

  it('flags an operator the source does not take, flapping low not below high, a refused header', async () => {
    const operator = await check(
      monitor('    assertions:\n      - { source: body, operator: lt, value: 3 }\n'),
    );
    expect(operator.diagnostics.map((d) => d.range.start.line)).toEqual([
      lineOf(operator.text, 'source: body'),
    ]);
    expect(await validateCodes(operator.text)).toEqual(['assertion_operator']);
    const flapping = await check(monitor('    flapping: { low: 60, high: 50 }\n'));
    expect(flapping.diagnostics.map((d) => d.range.start.line)).toEqual([lineOf(flapping.text, 'low: 60')]);
    expect(await validateCodes(flapping.text)).toEqual(['flapping_thresholds']);
    const header = await check(monitor('    headers:\n      user-AGENT: probe\n'));
    expect(header.diagnostics.map((d) => d.range.start.line)).toEqual([lineOf(header.text, 'user-AGENT')]);
    expect(await validateCodes(header.text)).toEqual(['forbidden_header']);
    // One of low/high from defaults: merged key by key, so only vigil validate can judge it.
    const inherited = await check(
      `defaults:\n  flapping: { high: 80 }\n${monitor('    flapping: { low: 60 }\n')}`,
    );
    expect(inherited.diagnostics).toEqual([]);
    expect(await validateCodes(inherited.text)).toEqual([]);
  });

  it('completes the keys of a monitor, keywords among them', async () => {
    const { uri, text } = await check(monitor('    \n'));
    const items = await server.completion(uri, { line: lineOf(text, 'url:') + 1, character: 4 });
    const labels = items.map((item) => item.label);
    expect(labels).toEqual(expect.arrayContaining(['keywords', 'interval', 'timeout', 'assertions']));
    expect(labels).not.toContain('url');
  });

  it('shows the description of a key on hover', async () => {
    const { uri, text } = await check(monitor('    keywords: [Welcome]\n    interval: 5m\n'));
    const keywords = hoverText(await server.hover(uri, { line: lineOf(text, 'keywords:'), character: 6 }));
    expect(keywords).toContain('Texts that must all appear in the body');
    const interval = hoverText(await server.hover(uri, { line: lineOf(text, 'interval:'), character: 6 }));
    expect(interval).toContain('Time between checks while up, 30s..24h');
  });

  it('finds nothing wrong in the example monitors', async () => {
    const files = (await readdir(join(ROOT, 'monitors'))).filter((name) => name.endsWith('.yml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const name of files) {
      const file = join(ROOT, 'monitors', name);
      const diagnostics = await server.open(pathToFileURL(file).href, await readFile(file, 'utf8'));
      expect(diagnostics, name).toEqual([]);
    }
  });
});
