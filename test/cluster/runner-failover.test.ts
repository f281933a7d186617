// A runner given two collectors on one PostgreSQL schema (`vigil runner --collector A,B`) keeps
// delivering when the one it uses is killed. The collectors split the shards and share claims
// (cluster secret), so the runner at A runs the jobs of both. A is SIGKILLed while the runner has
// jobs in flight (the target holds each request 1.5 s) and results A accepted but may not have
// written; the runner moves to B and delivers them there (B's own jobs as votes, A's stored late
// from their job tickets, what A wrote answered as duplicates), then goes on with B's jobs (B takes
// A's shards once their leases expire). Every job the runner finished is stored exactly once,
// found by job id in the schema.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMonitors, idDueSoon, startE2eCollector, startRunnerProcess, waitFor } from '../e2e/support.ts';
import { dropSchema, freshSchema, PG_URL, requirePostgres, schemaUrl } from '../store/postgres-support.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise((done) => server.close(done));
  return port;
}

/** Job ids the runner logged as done (`job done`, debug level). */
function jobsDone(stdout: string): string[] {
  const ids: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.includes('"job done"')) continue;
    const parsed = JSON.parse(line) as { jobId?: string };
    if (typeof parsed.jobId === 'string') ids.push(parsed.jobId);
  }
  return ids;
}

async function storedJobCounts(schema: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const rows = await client.query<{ job_id: string; n: number; late: number }>(
      `SELECT job_id, count(*)::int AS n FROM "${schema}".checks GROUP BY job_id`,
    );
    return new Map(rows.rows.map((r) => [r.job_id, r.n]));
  } finally {
    await client.end();
  }
}

/** Lineages 1..64: one monitor per shard, so both collectors schedule some. */
const MONITORS = 64;

if (await requirePostgres('runner failover between collectors')) {
  describe('a runner with two collectors on one database', () => {
    it('moves to the second when the first is killed; no result lost, none stored twice', async () => {
      const schema = freshSchema();
      cleanups.push(() => dropSchema(schema));
      let pending = 0;
      let hits = 0;
      const target = http.createServer((_req, res) => {
        pending += 1;
        hits += 1;
        setTimeout(() => {
          pending -= 1;
          res.end('ok');
        }, 1_500);
      });
      await new Promise<void>((done) => target.listen(0, '127.0.0.1', done));
      cleanups.push(() => new Promise((done) => target.close(() => done(undefined))));
      const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;

      const start = async () => {
        const port = await freePort();
        return startE2eCollector({
          VIGIL_DATABASE_URL: schemaUrl(schema),
          VIGIL_PORT: String(port),
          VIGIL_ADVERTISE_URL: `http://127.0.0.1:${port}`,
          VIGIL_CLUSTER_SECRET: 'cluster-secret-0123456789abcdef',
        });
      };
      const a = await start();
      cleanups.push(() => a.stop('SIGKILL'));
      const b = await start();
      cleanups.push(() => b.stop('SIGKILL'));
      const shards = async (url: string) =>
        ((await (await fetch(`${url}/readyz`)).json()) as { shards?: number[] }).shards ?? [];
      await waitFor(
        'the shards split between A and B',
        async () => {
          const [sa, sb] = [await shards(a.url), await shards(b.url)];
          return sa.length > 0 && sb.length > 0 && sa.length + sb.length === 64 ? true : undefined;
        },
        90_000,
      );
      const ids = Array.from({ length: MONITORS }, (_, n) =>
        idDueSoon(`failover-${n}`, 30_000, 20_000, 22_000),
      );
      await applyMonitors(
        a,
        `defaults:\n  interval: 30s\n  timeout: 5s\n  regions: [a]\n  confirm: { regions: 1 }\nmonitors:\n${ids
          .map((id) => `  - id: ${id}\n    url: ${url}\n`)
          .join('')}`,
      );

      const runner = await startRunnerProcess({
        collector: `${a.url},${b.url}`,
        region: 'a',
        concurrency: MONITORS,
        env: { VIGIL_LOG_LEVEL: 'debug' },
      });
      cleanups.push(() => runner.stop('SIGKILL'));
      expect(runner.stderr()).toContain(`collector=${a.url}`);

      // The first round: the runner holds jobs at the target (through A); kill A then.
      await waitFor('jobs in flight', () => (pending >= 1 ? true : undefined), 60_000);
      await new Promise((done) => setTimeout(done, 300));
      await a.stop('SIGKILL');
      const hitsAtKill = hits;

      // Next rounds come from B (its own shards, then A's): the runner claims them there.
      await waitFor(
        'a round from B',
        () => (hits >= hitsAtKill + MONITORS && pending === 0 ? true : undefined),
        90_000,
      );
      await waitFor(
        'moved to B in the logs',
        () => (runner.stdout().includes(`moving to collector ${b.url}`) ? true : undefined),
        10_000,
      );
      await runner.stop('SIGTERM');
      await b.stop('SIGTERM');

      const done = jobsDone(runner.stdout());
      const stored = await storedJobCounts(schema);
      const lost = done.filter((id) => !stored.has(id));
      const twice = [...stored].filter(([, n]) => n > 1).map(([id]) => id);
      // A's jobs (in flight at the kill) and B's were run.
      const prefixes = new Set(done.map((id) => id.slice(0, id.indexOf('-'))));
      console.log(
        `runner failover: ${done.length} jobs done (${prefixes.size} job prefixes), ${stored.size} stored, lost ${lost.length}, duplicated ${twice.length}`,
      );
      expect(done.length).toBeGreaterThan(MONITORS);
      // Jobs of both collectors were run (both held some of the monitors' shards).
      expect(prefixes.size).toBe(2);
      expect({ lost, twice }).toEqual({ lost: [], twice: [] });
    }, 300_000);
  });
}
