// `vigil up` as a real process: collector + embedded runner + SQLite, monitors/ applied, a real
// local target probed until the monitor is up; Ctrl-C (SIGINT) stops it cleanly. And nothing
// starts when the monitor files are wrong.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../support/collector-process.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups.length = 0;
});

async function target(): Promise<string> {
  const server = http.createServer((_req, res) => res.end('all good'));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  cleanups.push(() => new Promise((done) => server.close(() => done())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function project(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-up-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'monitors'));
  await writeFile(join(dir, 'monitors', 'site.yml'), yaml);
  return dir;
}

function up(
  cwd: string,
  args: string[] = [],
): { child: ChildProcess; stderr(): string; exit: Promise<number | null> } {
  const env: NodeJS.ProcessEnv = { ...process.env, VIGIL_PORT: '0', VIGIL_LOG_LEVEL: 'warn' };
  delete env.VIGIL_ADMIN_TOKEN;
  delete env.VIGIL_DB;
  const child = spawn(process.execPath, [CLI, 'up', ...args], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  // 'close', not 'exit': the last stderr lines ('vigil up: stopped') may still be in the pipe at 'exit'.
  const exit = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exit;
  });
  return { child, stderr: () => err, exit };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

describe('vigil up', () => {
  it('starts the collector with the embedded runner, applies monitors/, probes, and stops on Ctrl-C', async () => {
    const url = await target();
    const dir = await project(`monitors:\n  - id: site\n    url: ${url}\n    interval: 30s\n`);
    const proc = up(dir);
    await until('the running line', async () =>
      proc.stderr().includes('vigil up: running') ? true : undefined,
    );
    const base = /vigil up: status (http:\/\/\S+?)\/v1\//.exec(proc.stderr())![1]!;
    expect(proc.stderr()).toMatch(/vigil up: applied .*monitors: 1 created/);
    expect(proc.stderr()).toMatch(/vigil up: admin token vigil_\S+ +\(generated now/);
    expect(proc.stderr()).toContain('embedded runner in region local');
    const monitor = await until('the monitor to be up', async () => {
      const body = (await (await fetch(`${base}/v1/monitors/site`)).json()) as {
        state: string;
        lastResults: Array<{ region: string; ok: boolean; status: number }>;
      };
      return body.state === 'up' ? body : undefined;
    });
    expect(monitor.lastResults).toEqual([
      expect.objectContaining({ region: 'local', ok: true, status: 200 }),
    ]);
    const runners = (await (await fetch(`${base}/v1/runners`)).json()) as {
      runners: Array<Record<string, unknown>>;
    };
    expect(runners.runners).toEqual([
      expect.objectContaining({ region: 'local', name: 'embedded', online: true }),
    ]);
    proc.child.kill('SIGINT');
    expect(await proc.exit).toBe(0);
    expect(proc.stderr()).toContain('vigil up: stopped');
    expect((await stat(join(dir, 'vigil.db'))).size).toBeGreaterThan(0);
  }, 180_000);

  it('stops cleanly on a Ctrl-C sent the moment it says it is running', async () => {
    // Its signal handlers are in place before that line: whoever reads it may stop it at once.
    const url = await target();
    const dir = await project(`monitors:\n  - id: site\n    url: ${url}\n    interval: 30s\n`);
    const proc = up(dir);
    let sent = false;
    proc.child.stderr!.on('data', () => {
      if (!sent && proc.stderr().includes('vigil up: running')) {
        sent = true;
        proc.child.kill('SIGINT');
      }
    });
    expect(await proc.exit).toBe(0);
    expect(proc.stderr()).toContain('vigil up: stopped');
  }, 120_000);

  it('starts nothing when a monitor file is wrong', async () => {
    const dir = await project('monitors:\n  - id: Bad Id\n    url: http://127.0.0.1:1/\n');
    const proc = up(dir);
    expect(await proc.exit).toBe(1);
    expect(proc.stderr()).toMatch(/site\.yml:\d+:\d+: error/);
    expect(proc.stderr()).toContain('nothing started');
    await expect(stat(join(dir, 'vigil.db'))).rejects.toThrow();
  }, 60_000);
});
