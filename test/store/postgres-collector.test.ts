// The collector on PostgreSQL end to end: `vigil up` as a real process with VIGIL_DATABASE_URL
// (collector, embedded runner, a real local target), until the monitor is up; then its results
// are read back from the schema, and no SQLite file was made.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../collector/store/postgres/index.ts';
import { CLI } from '../support/collector-process.ts';
import { dropSchema, freshSchema, requirePostgres, schemaUrl } from './postgres-support.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups.length = 0;
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

if (await requirePostgres('collector on PostgreSQL')) {
  describe('vigil up on PostgreSQL', () => {
    it('stores monitors, checks and states in the schema named by VIGIL_DATABASE_URL', async () => {
      const server = http.createServer((_req, res) => res.end('all good'));
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      cleanups.push(() => new Promise((done) => server.close(() => done())));
      const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const dir = await mkdtemp(join(tmpdir(), 'vigil-up-pg-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      await mkdir(join(dir, 'monitors'));
      await writeFile(
        join(dir, 'monitors', 'site.yml'),
        `monitors:\n  - id: site\n    url: ${target}\n    interval: 30s\n`,
      );
      const schema = freshSchema();
      cleanups.push(() => dropSchema(schema));

      const env: NodeJS.ProcessEnv = {
        ...process.env,
        VIGIL_PORT: '0',
        VIGIL_LOG_LEVEL: 'warn',
        VIGIL_DATABASE_URL: schemaUrl(schema),
      };
      delete env.VIGIL_ADMIN_TOKEN;
      delete env.VIGIL_DB;
      const child: ChildProcess = spawn(process.execPath, [CLI, 'up'], {
        cwd: dir,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      const exit = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
      cleanups.push(async () => {
        if (child.exitCode === null) child.kill('SIGKILL');
        await exit;
      });

      await until('the running line', async () => (err.includes('vigil up: running') ? true : undefined));
      const base = /vigil up: status (http:\/\/\S+?)\/v1\//.exec(err)![1]!;
      await until('the monitor to be up', async () => {
        const body = (await (await fetch(`${base}/v1/monitors/site`)).json()) as { state: string };
        return body.state === 'up' ? body : undefined;
      });
      child.kill('SIGINT');
      expect(await exit).toBe(0);

      const store = await openPostgresStore({ url: schemaUrl(schema) });
      try {
        const [monitor] = await store.monitors.list();
        expect(monitor).toMatchObject({ id: 'site', revision: 1 });
        const page = await store.checks.page(monitor!.historyId, { limit: 10 });
        expect(page.checks.length).toBeGreaterThan(0);
        expect(page.checks[0]).toMatchObject({ region: 'local', ok: true, status: 200 });
        expect((await store.runtime.loadStates())[0]).toMatchObject({
          monitorId: 'site',
          verdict: { state: 'up' },
        });
        expect((await store.status.catalog())[0]!.firstResultAt).not.toBeNull();
      } finally {
        await store.close();
      }
      // The SQLite file (VIGIL_DB's default, ./vigil.db) was never opened.
      expect(existsSync(join(dir, 'vigil.db'))).toBe(false);
    }, 180_000);
  });
}
