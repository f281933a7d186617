// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here
// The loader on real files: the examples, folder walking, limits, defaults, ids across files,
// and what normalization gives.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMonitorFiles } from '../../schema/load.ts';
import { readMonitorFile } from '../../schema/read-file.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-load-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(path: string, text: string): Promise<void> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), text);
}

const SITE = (id: string, extra = '') => `  - id: ${id}\n    url: https://${id}.example.com/\n${extra}`;

describe('the examples in monitors/', () => {
  it('validate without any diagnostic', async () => {
    const result = await loadMonitorFiles(['monitors/'], { cwd: ROOT });
    expect(result.diagnostics).toEqual([]);
    expect(result.files).toEqual([
      'monitors/api-health.yml',
      'monitors/checkout-api.yml',
      'monitors/homepage.yml',
    ]);
    expect(result.monitors.map((m) => m.spec.id)).toEqual([
      'api-health',
      'api-version',
      'checkout-quote',
      'homepage',
    ]);
  });

  it('show a plain page with keywords, a JSON health endpoint with assertions and a POST with a secret', async () => {
    const { monitors } = await loadMonitorFiles(['monitors'], { cwd: ROOT });
    const byId = Object.fromEntries(monitors.map((m) => [m.spec.id, m.spec]));
    expect(byId.homepage?.keywords.length).toBeGreaterThan(0);
    expect(byId['api-health']?.assertions.some((a) => a.source === 'json')).toBe(true);
    expect(byId['checkout-quote']).toMatchObject({
      method: 'POST',
      headers: { Authorization: 'Bearer ${API_TOKEN}' },
    });
    expect(monitors.find((m) => m.spec.id === 'homepage')?.source).toEqual({
      file: 'monitors/homepage.yml',
      line: 5,
      column: 5,
    });
  });

  it('each start with the yaml-language-server schema line', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const file of ['homepage', 'api-health', 'checkout-api']) {
      const text = await readFile(join(ROOT, 'monitors', `${file}.yml`), 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/monitors.schema.json');
    }
  });
});

describe('finding files', () => {
  it('walks folders recursively in sorted order, skipping hidden entries and other extensions', async () => {
    await put('m/b.yml', `monitors:\n${SITE('b')}`);
    await put('m/a.yaml', `monitors:\n${SITE('a')}`);
    await put('m/sub/c.YML', `monitors:\n${SITE('c')}`);
    await put('m/.hidden/d.yml', `monitors:\n${SITE('d')}`);
    await put('m/notes.txt', 'not yaml');
    const result = await loadMonitorFiles(['m'], { cwd: dir });
    expect(result.files).toEqual(['m/a.yaml', 'm/b.yml', 'm/sub/c.YML']);
    expect(result.diagnostics).toEqual([]);
  });

  it('reads a file once even when it is named twice or reached through a link', async () => {
    await put('m/a.yml', `monitors:\n${SITE('a')}`);
    await symlink(join(dir, 'm'), join(dir, 'again'));
    const result = await loadMonitorFiles(['m', 'm/a.yml', 'again'], { cwd: dir });
    expect(result.files).toEqual(['m/a.yml']);
    expect(result.monitors).toHaveLength(1);
  });

  it('reads a file given by name whatever its extension, and keeps absolute paths absolute', async () => {
    await put('x.monitors', `monitors:\n${SITE('a')}`);
    const result = await loadMonitorFiles([join(dir, 'x.monitors')]);
    expect(result.files).toEqual([join(dir, 'x.monitors')]);
    expect(result.monitors).toHaveLength(1);
  });

  it('reports a path that does not exist as path_not_found', async () => {
    const result = await loadMonitorFiles(['missing/'], { cwd: dir });
    expect(result.diagnostics).toMatchObject([
      { code: 'path_not_found', file: 'missing/', line: 0, severity: 'error' },
    ]);
  });

  it('reports a folder without monitor files as no_files', async () => {
    await put('empty/readme.md', '# nothing');
    const result = await loadMonitorFiles(['empty'], { cwd: dir });
    expect(result.diagnostics).toMatchObject([{ code: 'no_files', file: 'empty' }]);
  });

  it('collects the errors of every file before returning', async () => {
    await put('m/a.yml', 'monitors:\n  - id: a\n');
    await put('m/b.yml', 'monitors: {}\n');
    await put('m/c.yml', `monitors:\n${SITE('c')}`);
    const result = await loadMonitorFiles(['m'], { cwd: dir });
    expect(result.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual([
      'm/a.yml missing_key',
      'm/b.yml wrong_type',
    ]);
    expect(result.monitors.map((m) => m.spec.id)).toEqual(['c']);
  });
});

describe('limits', () => {
  it('refuses a file over 1 MiB before parsing it', async () => {
    await put('big.yml', `monitors: []\n#${'x'.repeat(1024 * 1024)}\n`);
    const result = await loadMonitorFiles(['big.yml'], { cwd: dir });
    expect(result.diagnostics).toMatchObject([{ code: 'file_too_large', line: 0 }]);
  });

  it('refuses aliases that expand to too much data, even when there are few of them', async () => {
    // 4,000 values (under the pre-scan's node limit) reach 108,000 through 12 aliases.
    const list = `[${Array.from({ length: 4_000 }, () => 'a').join(',')}]`;
    await put(
      'wide.yml',
      `x: &x ${list}\ny: &y [*x, *x, *x]\nz: [*y, *y, *y, *y, *y, *y, *y, *y, *y]\nmonitors: []\n`,
    );
    const result = await loadMonitorFiles(['wide.yml'], { cwd: dir });
    expect(result.diagnostics).toMatchObject([{ code: 'alias_limit', line: 2, column: 8 }]);
  });

  it('accepts a few harmless aliases', async () => {
    await put(
      'ok.yml',
      `monitors:\n  - id: a\n    url: https://a.example.com/\n    regions: &r [eu-west]\n  - id: b\n    url: https://b.example.com/\n    regions: *r\n`,
    );
    const result = await loadMonitorFiles(['ok.yml'], { cwd: dir });
    expect(result.diagnostics).toEqual([]);
    expect(result.monitors[1]?.spec.regions).toEqual(['eu-west']);
  });

  it('refuses a body longer than 64 KiB', async () => {
    await put('body.yml', `monitors:\n${SITE('a', `    method: POST\n    body: ${'x'.repeat(65_537)}\n`)}`);
    const result = await loadMonitorFiles(['body.yml'], { cwd: dir });
    expect(result.diagnostics).toMatchObject([{ code: 'too_long', line: 5, column: 11 }]);
  });

  it('reports an unreadable path as read_error', async () => {
    expect(await readMonitorFile(dir)).toMatchObject({ ok: false, code: 'read_error' });
  });

  it('reads Windows line endings with the same positions', async () => {
    await put(
      'crlf.yml',
      'monitors:\r\n  - id: a\r\n    url: https://a.example.com/\r\n    intervall: 1m\r\n',
    );
    const result = await loadMonitorFiles(['crlf.yml'], { cwd: dir });
    expect(result.diagnostics).toMatchObject([
      { code: 'unknown_key', line: 4, column: 5, endLine: 4, endColumn: 14 },
    ]);
  });

  it('treats `monitors: []` as a valid file without monitors', async () => {
    await put('none.yml', 'monitors: []\n');
    const result = await loadMonitorFiles(['none.yml'], { cwd: dir });
    expect(result).toEqual({ monitors: [], diagnostics: [], files: ['none.yml'] });
  });
});

describe('ids across files', () => {
  it('names both places of a duplicate id and keeps the first monitor', async () => {
    await put('m/a.yml', `monitors:\n${SITE('shop')}`);
    await put('m/b.yml', `# second\nmonitors:\n${SITE('other')}${SITE('shop')}`);
    const result = await loadMonitorFiles(['m'], { cwd: dir });
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({
      code: 'duplicate_id',
      file: 'm/b.yml',
      line: 5,
      column: 9,
    });
    expect(result.diagnostics[0]?.message).toContain('m/a.yml:2:9');
    expect(result.monitors.map((m) => m.spec.id)).toEqual(['shop', 'other']);
  });

  it('refuses renamed_from naming a live monitor in another file', async () => {
    await put('m/a.yml', `monitors:\n${SITE('shop')}`);
    await put('m/b.yml', `monitors:\n${SITE('store', '    renamed_from: shop\n')}`);
    const result = await loadMonitorFiles(['m'], { cwd: dir });
    expect(result.diagnostics).toMatchObject([
      { code: 'renamed_from_collision', file: 'm/b.yml', line: 4, column: 19 },
    ]);
    expect(result.diagnostics[0]?.message).toContain('m/a.yml:2:9');
  });
});

describe('defaults: and normalization', () => {
  it('merges file defaults under each monitor, then applies the built-in defaults', async () => {
    await put(
      'd.yml',
      `defaults:
  interval: 5m
  headers:
    Authorization: Bearer \${TOKEN}
    X-Team: web
  alert:
    after: 0
    labels: [team]
  keywords: [default]
  flapping: { window: 30 }
monitors:
  - id: a
    url: https://a.example.com/
    headers:
      x-team: api
    alert:
      remind_every: 0
    keywords: [own]
  - id: b
    url: https://b.example.com/
    flapping: false
    interval: 1h
`,
    );
    const { monitors, diagnostics } = await loadMonitorFiles(['d.yml'], { cwd: dir });
    expect(diagnostics).toEqual([]);
    const [a, b] = monitors.map((m) => m.spec);
    expect(a?.interval).toBe(300_000);
    expect(a?.headers).toEqual({ Authorization: 'Bearer ${TOKEN}', 'x-team': 'api' });
    expect(a?.alert).toMatchObject({ after: 0, remind_every: 0, recovery_after: 0, labels: ['team'] });
    expect(a?.keywords).toEqual(['own']);
    expect(a?.flapping).toEqual({ window: 30, low: 25, high: 50 });
    expect(b?.interval).toBe(3_600_000);
    expect(b?.flapping).toBe(false);
    expect(b?.alert.remind_every).toBe(1_800_000);
    expect(b?.keywords).toEqual(['default']);
  });

  it('normalizes spellings: durations in ms, mentions without @, versions as text, zones and instants canonical', async () => {
    await put(
      'n.yml',
      `monitors:
  - id: a
    url: https://a.example.com/
    http: { version: 2 }
    ip: 6
    keywords: [ok, "  "]
    alert:
      mentions: ["@octocat", "my-org/on-call"]
    maintenance:
      - { start: "2025-06-01T04:00:00+02:00", end: 2025-06-01T03:00:00Z }
      - { cron: " 0  3 * * 0", duration: 1h30m, timezone: europe/berlin }
`,
    );
    const { monitors, diagnostics } = await loadMonitorFiles(['n.yml'], { cwd: dir });
    expect(diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['warning empty_keyword']);
    expect(monitors[0]?.spec).toEqual({
      id: 'a',
      name: 'a',
      url: 'https://a.example.com/',
      method: 'GET',
      headers: {},
      body: null,
      keywords: ['ok'],
      forbidden_keywords: [],
      assertions: [],
      interval: 60_000,
      timeout: 15_000,
      follow_redirects: 5,
      tls: { verify: true, expiry_warning_days: 14 },
      http: { version: '2' },
      ip: 6,
      regions: null,
      confirm: { regions: 3 },
      recover: { checks: 3 },
      flapping: { window: 21, low: 25, high: 50 },
      alert: {
        after: 180_000,
        remind_every: 1_800_000,
        recovery_after: 0,
        assignees: [],
        labels: [],
        mentions: ['octocat', 'my-org/on-call'],
        sinks: null,
      },
      paused: false,
      maintenance: [
        { start: '2025-06-01T02:00:00.000Z', end: '2025-06-01T03:00:00.000Z' },
        { cron: '0 3 * * 0', duration: 5_400_000, timezone: 'Europe/Berlin' },
      ],
      renamed_from: null,
    });
  });

  it('excludes a monitor with an error but keeps the others of the file', async () => {
    await put('e.yml', `monitors:\n${SITE('good')}${SITE('bad', '    interval: 5s\n')}`);
    const { monitors, diagnostics } = await loadMonitorFiles(['e.yml'], { cwd: dir });
    expect(diagnostics.map((d) => d.code)).toEqual(['duration_out_of_range']);
    expect(monitors.map((m) => m.spec.id)).toEqual(['good']);
  });

  it('excludes every monitor of a file whose defaults have an error, not those of other files', async () => {
    await put('m/a.yml', `defaults:\n  interval: 5s\nmonitors:\n${SITE('a1')}${SITE('a2')}`);
    await put('m/b.yml', `monitors:\n${SITE('b1')}`);
    const { monitors, diagnostics } = await loadMonitorFiles(['m'], { cwd: dir });
    expect(diagnostics).toMatchObject([
      { code: 'duration_out_of_range', file: 'm/a.yml', line: 2, column: 13 },
    ]);
    expect(monitors.map((m) => m.spec.id)).toEqual(['b1']);
  });

  it('blames a default only on the monitors it breaks', async () => {
    await put(
      'p.yml',
      `defaults:\n  timeout: 45s\nmonitors:\n${SITE('slow', '    interval: 5m\n')}${SITE('fast', '    interval: 30s\n')}`,
    );
    const { monitors, diagnostics } = await loadMonitorFiles(['p.yml'], { cwd: dir });
    expect(diagnostics).toMatchObject([
      { code: 'timeout_not_below_interval', line: 2, column: 12, path: 'defaults.timeout' },
    ]);
    expect(monitors.map((m) => m.spec.id)).toEqual(['slow']);
  });
});
