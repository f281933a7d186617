// A collector that cannot use its database stops at once, through the real `vigil collector`
// process: exit 1, one line on stderr with a stable code (VIGIL_STORE_CANT_OPEN or
// VIGIL_STORE_READ_ONLY), the path, and what to do; no stack trace. As root, permission bits do not
// stop writes, so read-only comes from a read-only tmpfs and from `chattr +i`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../support/collector-process.ts';
import { mountTmpfs } from './mounts.ts';

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  cleanup = [];
});

/** Runs `vigil collector` on `db`; a collector that starts instead is killed after 60 s (a failure). */
function collectorOn(db: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, 'collector'], {
      env: {
        ...(process.env as Record<string, string>),
        VIGIL_HOST: '127.0.0.1',
        VIGIL_PORT: '0',
        VIGIL_DB: db,
        VIGIL_ADMIN_TOKEN: 'startup-errors-admin-token-0123',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stderr, stdout });
    });
  });
}

async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-startup-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function expectStopped(
  result: { code: number | null; stderr: string; stdout: string },
  code: string,
  db: string,
): void {
  expect(result.code, result.stderr + result.stdout).toBe(1);
  expect(result.stderr).toMatch(new RegExp(`^vigil collector: ${code}: the database `));
  expect(result.stderr).toContain(db);
  expect(result.stderr).toContain('To fix:');
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
}

function makeDatabase(path: string): void {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);');
  db.close();
}

const SLOW = { timeout: 120_000 };

describe('start-up storage errors', SLOW, () => {
  it('a directory that cannot be created (under a read-only mount)', async () => {
    const mount = await mountTmpfs(1024 * 1024);
    cleanup.push(() => mount.close());
    mount.readOnly();
    const db = join(mount.dir, 'missing', 'vigil.db');
    const result = await collectorOn(db);
    expectStopped(result, 'VIGIL_STORE_CANT_OPEN', db);
    expect(result.stderr).toContain(`${mount.dir} is on a read-only filesystem`);
    expect(result.stderr).toContain(`create the directory ${join(mount.dir, 'missing')}`);
    expect(result.stderr).toContain('VIGIL_DB');
  });

  it('a path under a file', async () => {
    const dir = await temp();
    await writeFile(join(dir, 'file'), '');
    const db = join(dir, 'file', 'vigil.db');
    const result = await collectorOn(db);
    expectStopped(result, 'VIGIL_STORE_CANT_OPEN', db);
    expect(result.stderr).toContain('is not a directory');
  });

  it('a path that is a directory', async () => {
    const dir = await temp();
    const db = join(dir, 'vigil.db');
    await mkdir(db);
    const result = await collectorOn(db);
    expectStopped(result, 'VIGIL_STORE_CANT_OPEN', db);
    expect(result.stderr).toContain('is a directory');
  });

  it('a database on a read-only mount (SQLITE_CANTOPEN for WAL, SQLITE_READONLY otherwise)', async () => {
    const mount = await mountTmpfs(4 * 1024 * 1024);
    cleanup.push(() => mount.close());
    const wal = join(mount.dir, 'wal.db');
    makeDatabase(wal);
    const plain = join(mount.dir, 'plain.db');
    const p = new DatabaseSync(plain);
    p.exec('CREATE TABLE t (x)');
    p.close();
    mount.readOnly();
    for (const db of [wal, plain]) {
      const result = await collectorOn(db);
      expectStopped(result, 'VIGIL_STORE_READ_ONLY', db);
      expect(result.stderr).toContain('read-only filesystem');
      expect(result.stderr).toContain('remount it read-write');
    }
  });

  it('an immutable database file (chattr +i)', async () => {
    const dir = await temp();
    const db = join(dir, 'vigil.db');
    makeDatabase(db);
    execFileSync('chattr', ['+i', db]);
    cleanup.push(async () => execFileSync('chattr', ['-i', db]));
    const result = await collectorOn(db);
    expectStopped(result, 'VIGIL_STORE_READ_ONLY', db);
    expect(result.stderr).toContain('chattr -i');
  });
});
