// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here.
// `vigil plan` / `vigil apply` / `vigil collector` as real processes against a real collector
// process on port 0.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listMonitors, syncPlan } from '../../client/collector-client.ts';
import type { SyncPlan } from '../../schema/plan-types.ts';
import { type CollectorProcess, runCli, startCollectorProcess } from '../support/collector-process.ts';
import { closedPort } from '../support/target-server.ts';
import { declaredMonitors } from './fixtures.ts';

const CANARY = 'canary-5d2e8b-never-print-me';

// Real processes on a 2-core machine: generous time, no timing assertions.
const SLOW = { timeout: 120_000 };

let work: string;
/** A loopback address nothing listens on (and nothing else can take meanwhile). */
let closedUrl: string;
const collectors: CollectorProcess[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vigil-cli-sync-'));
  closedUrl = `http://127.0.0.1:${await closedPort()}`;
});
afterEach(async () => {
  for (const c of collectors.splice(0)) await c.stop();
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function collector(
  options: Parameters<typeof startCollectorProcess>[0] = {},
): Promise<CollectorProcess> {
  const c = await startCollectorProcess(options);
  collectors.push(c);
  return c;
}

let folders = 0;
async function monitorsDir(files: Record<string, string>): Promise<string> {
  const dir = join(work, `monitors-${folders++}`);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const API = `monitors:
  - id: api
    url: https://api.example.invalid/health
    headers:
      Authorization: Bearer \${API_TOKEN}
`;
const WEB = `monitors:
  - id: web
    name: Web site
    url: https://web.example.invalid/
    interval: 1m
`;

function flags(c: CollectorProcess): string[] {
  return ['--collector', c.url, '--token', c.token!];
}

describe('vigil plan / apply', SLOW, () => {
  it('plans, applies, and then has nothing left to do', async () => {
    const c = await collector();
    const dir = await monitorsDir({ 'api.yml': API, 'web.yml': WEB });
    const env = { API_TOKEN: CANARY, NO_COLOR: '1' };

    const plan = await runCli(['plan', dir, ...flags(c)], { env });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('+ create api');
    expect(plan.stdout).toContain('+ create web "Web site"');
    expect(plan.stdout).toContain(
      'Plan: 2 to create, 0 to update, 0 to replace, 0 to rename, 0 to delete, 0 unchanged.',
    );

    const detailed = await runCli(['plan', dir, ...flags(c), '--detailed-exitcode'], { env });
    expect(detailed.code).toBe(2);

    const apply = await runCli(['apply', dir, ...flags(c), '--revision', 'abc123'], { env });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Applied: 2 created');

    const again = await runCli(['plan', dir, ...flags(c), '--detailed-exitcode'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes. The collector holds exactly these 2 monitors.');

    const listed = await fetch(`${c.url}/v1/monitors/api`).then((r) => r.json());
    expect(listed).toMatchObject({
      id: 'api',
      gitRevision: 'abc123',
      spec: { headers: { Authorization: 'Bearer ${API_TOKEN}' } },
    });

    for (const out of [plan, detailed, apply, again]) expect(out.stdout + out.stderr).not.toContain(CANARY);
    expect(c.stdout()).toContain('sync applied');
    expect(c.stdout() + c.stderr()).not.toContain(CANARY);
  });

  it('shows deletions first and in red, updates with field diffs, and formats markdown and JSON', async () => {
    const c = await collector();
    const dir = await monitorsDir({ 'api.yml': API, 'web.yml': WEB });
    const env = { API_TOKEN: CANARY };
    expect((await runCli(['apply', dir, ...flags(c)], { env })).code).toBe(0);
    await unlink(join(dir, 'api.yml'));
    await writeFile(join(dir, 'web.yml'), WEB.replace('interval: 1m', 'interval: 5m'));
    await writeFile(join(dir, 'new.yml'), 'monitors:\n  - id: new\n    url: https://new.example.invalid/\n');

    const text = await runCli(['plan', dir, ...flags(c)], { env: { ...env, FORCE_COLOR: '1' } });
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    const first = lines.findIndex((line) => /delete|update|create/.test(line) && !line.includes('replace'));
    expect(lines[first]).toBe('\u001b[31m  - delete api\u001b[0m');
    expect(text.stdout).toContain('~ interval: "1m" → "5m"');
    expect(text.stdout.indexOf('delete api')).toBeLessThan(text.stdout.indexOf('update web'));
    expect(text.stdout.indexOf('update web')).toBeLessThan(text.stdout.indexOf('create new'));

    const [markdown, json] = await Promise.all([
      runCli(['plan', dir, ...flags(c), '--format', 'markdown', '--revision', 'deadbeef'], { env }),
      runCli(['plan', dir, ...flags(c), '--format', 'json'], { env }),
    ]);
    expect(markdown.stdout).toContain('> [!WARNING]');
    expect(markdown.stdout).toContain('<details><summary>1 field changed</summary>');
    expect(markdown.stdout).toContain('for commit `deadbeef`');

    const plan = JSON.parse(json.stdout) as SyncPlan;
    expect(plan.counts).toEqual({ create: 1, update: 1, replace: 0, rename: 0, delete: 1, unchanged: 0 });

    // --no-prune keeps api; a stale --expected-plan is refused.
    const keep = await runCli(['apply', dir, ...flags(c), '--no-prune', '--format', 'json'], { env });
    expect((JSON.parse(keep.stdout) as SyncPlan).counts.delete).toBe(0);
    const stale = await runCli(['apply', dir, ...flags(c), '--expected-plan', plan.planId], { env });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('VIGIL_ERR_STALE_PLAN');
    const current = JSON.parse(
      (await runCli(['plan', dir, ...flags(c), '--format', 'json'], { env })).stdout,
    ) as SyncPlan;
    const ok = await runCli(['apply', dir, ...flags(c), '--expected-plan', current.planId], { env });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('1 deleted');
  });

  it('stops on invalid local monitors without contacting the collector', async () => {
    const dir = await monitorsDir({
      'bad.yml': 'monitors:\n  - id: bad\n    url: https://bad.example.invalid/\n    intervall: 1m\n',
    });
    // Nothing listens on this address: had the CLI tried, it would report VIGIL_ERR_UNREACHABLE.
    const result = await runCli(['plan', dir, '--collector', closedUrl, '--token', 'x'.repeat(20)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.yml:4:5: error unknown_key/);
    expect(result.stderr).toContain('nothing was sent to the collector');
    expect(result.stderr).not.toContain('VIGIL_ERR_UNREACHABLE');
  });

  it('names monitor, field and variable of a missing secret', async () => {
    const dir = await monitorsDir({ 'api.yml': API });
    const result = await runCli(['plan', dir, '--collector', closedUrl, '--token', 'x'.repeat(20)], {
      env: { API_TOKEN: undefined },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('secret_missing');
    expect(result.stderr).toContain('API_TOKEN');
    expect(result.stderr).toMatch(/api/);
    expect(result.stderr).toMatch(/headers/);
  });

  it('reports an unreachable collector and a wrong token with their codes', async () => {
    const dir = await monitorsDir({ 'web.yml': WEB });
    const unreachable = await runCli(['plan', dir, '--collector', closedUrl, '--token', 'x'.repeat(20)]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('VIGIL_ERR_UNREACHABLE');

    const c = await collector();
    const wrong = await runCli(['apply', dir, '--collector', c.url, '--token', 'wrong-token-0123456789']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('VIGIL_ERR_UNAUTHORIZED');
    const list = await fetch(`${c.url}/v1/monitors`).then((r) => r.json());
    expect(list).toEqual({ monitors: [] });
  });

  it('reads the collector URL and token from the environment; usage errors exit 2', async () => {
    const c = await collector();
    const dir = await monitorsDir({ 'web.yml': WEB });
    const result = await runCli(['apply', dir], {
      env: { VIGIL_COLLECTOR_URL: c.url, VIGIL_ADMIN_TOKEN: c.token! },
    });
    expect(result.code).toBe(0);
    const noUrl = await runCli(['plan', dir], {
      env: { VIGIL_COLLECTOR_URL: undefined, VIGIL_ADMIN_TOKEN: 't'.repeat(20) },
    });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('--collector');
    const badFormat = await runCli(['plan', dir, ...flags(c), '--format', 'yaml']);
    expect(badFormat.code).toBe(2);
  });
});

describe('vigil collector', SLOW, () => {
  it('keeps everything across a restart and closes cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(work, 'data-'));
    const token = 'restart-token-0123456789';
    const first = await collector({ dir, token });
    const monitors = await monitorsDir({ 'web.yml': WEB, 'api.yml': API });
    const env = { API_TOKEN: CANARY };
    expect((await runCli(['apply', monitors, ...flags(first)], { env })).code).toBe(0);
    const before = declaredMonitors(await fetch(`${first.url}/v1/monitors`).then((r) => r.json()));
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(first.stdout()).toContain('"msg":"closed"');

    const second = await collector({ dir, token });
    expect(declaredMonitors(await fetch(`${second.url}/v1/monitors`).then((r) => r.json()))).toEqual(before);
    const plan = await runCli(['plan', monitors, ...flags(second), '--detailed-exitcode'], { env });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes');
    await second.stop();
    for (const c of [first, second]) expect(c.stdout() + c.stderr()).not.toContain(CANARY);
  });

  it('closes cleanly on a SIGTERM sent the moment it prints its address', async () => {
    // Its signal handlers are in place before that line: a supervisor may stop it right away.
    const c = await collector({ env: { VIGIL_EMBEDDED_RUNNER: 'false' } });
    expect(await c.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(c.stdout()).toContain('"msg":"closed"');
  });

  it('finishes an apply in flight before closing on SIGTERM', async () => {
    const dir = await mkdtemp(join(work, 'inflight-'));
    const token = 'inflight-token-0123456789';
    // No embedded runner: probing the monitors would only add load to what is tested here.
    const quiet = { VIGIL_EMBEDDED_RUNNER: 'false' };
    const c = await collector({ dir, token, env: quiet });
    const monitors = Array.from({ length: 1500 }, (_, i) => ({
      id: `m-${i}`,
      url: `https://m${i}.example.invalid/`,
    }));
    const answer = syncPlan({ url: c.url, token }, { revision: null, monitors });
    // Signal once the collector has the request (pino logs it on arrival).
    while (!c.stdout().includes('"url":"/v1/sync"')) await new Promise((done) => setTimeout(done, 10));
    const stopped = c.stop('SIGTERM');
    expect((await answer).counts.create).toBe(1500);
    expect(await stopped).toEqual({ code: 0, signal: null });
    const again = await collector({ dir, token, env: quiet });
    expect(await listMonitors({ url: again.url })).toHaveLength(1500);
  });

  it('generates an admin token at first start and prints it once', async () => {
    const dir = await mkdtemp(join(work, 'gen-'));
    const first = await collector({ dir, token: null });
    expect(first.token).toMatch(/^vigil_/);
    const monitors = await monitorsDir({ 'web.yml': WEB });
    expect((await runCli(['apply', monitors, ...flags(first)])).code).toBe(0);
    await first.stop();
    const second = await collector({ dir, token: null });
    expect(second.token).toBeNull();
    expect(second.stderr()).not.toContain(first.token!);
    expect((await runCli(['plan', monitors, '--collector', second.url, '--token', first.token!])).code).toBe(
      0,
    );
  });

  it('reads --config FILE (paths relative to it)', async () => {
    const dir = await mkdtemp(join(work, 'config-'));
    const file = join(dir, 'collector.yml');
    const token = 'config-file-token-0123456789';
    await writeFile(
      file,
      `host: 127.0.0.1\nport: 0\ndb: data/from-file.db\nadmin_token: ${token}\nlog_level: warn\n`,
    );
    // Empty variables are ignored, so the file's values hold.
    const c = await collector({
      token: null,
      args: ['--config', file],
      env: { VIGIL_DB: '', VIGIL_PORT: '' },
    });
    const monitors = await monitorsDir({ 'web.yml': WEB });
    const applied = await runCli(['apply', monitors, '--collector', c.url, '--token', token]);
    expect(applied.code).toBe(0);
    await c.stop();
    expect(existsSync(join(dir, 'data/from-file.db'))).toBe(true);
    // log_level warn: no request lines.
    expect(c.stdout()).not.toContain('incoming request');
  });

  it('refuses a bad configuration with its code and exit 1', async () => {
    const result = await runCli(['collector'], { env: { VIGIL_PORT: 'many', VIGIL_DB: join(work, 'x.db') } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('VIGIL_ERR_CONFIG');
    expect(result.stderr).toContain('VIGIL_PORT');
  });
});
