// A runner given two collectors on one PostgreSQL schema (`vigil runner --collector A,B`) keeps
// delivering when the one it uses is killed: A is SIGKILLed while the runner has jobs of A's in
// flight (the target holds each request 1.5 s) and results A accepted but may not have written;
// the runner moves to B, delivers them there (stored late from their job tickets, or answered as
// duplicates of what A wrote), and goes on with B's jobs. Every job the runner finished is stored
// exactly once, found by job id in the schema.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMonitors, idDueSoon, startE2eCollector, startRunnerProcess, waitFor } from '../e2e/support.ts';
import { dropSchema, freshSchema, PG_URL, requirePostgres, schemaUrl } from '../store/postgres-support.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

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

      const env = { VIGIL_DATABASE_URL: schemaUrl(schema) };
      const a = await startE2eCollector(env);
      cleanups.push(() => a.stop('SIGKILL'));
      const ids = [0, 1, 2, 3].map((n) => idDueSoon(`failover-${n}`, 30_000, 15_000, 17_000));
      await applyMonitors(
        a,
        `defaults:\n  interval: 30s\n  timeout: 5s\n  regions: [a]\n  confirm: { regions: 1 }\nmonitors:\n${ids
          .map((id) => `  - id: ${id}\n    url: ${url}\n`)
          .join('')}`,
      );
      // B loads the monitors at its start (both schedule them until shards are leased).
      const b = await startE2eCollector(env);
      cleanups.push(() => b.stop('SIGKILL'));

      const runner = await startRunnerProcess({
        collector: `${a.url},${b.url}`,
        region: 'a',
        env: { VIGIL_LOG_LEVEL: 'debug' },
      });
      cleanups.push(() => runner.stop('SIGKILL'));
      expect(runner.stderr()).toContain(`collector=${a.url}`);

      // A's first round: the runner holds A's four jobs at the target; kill A then.
      await waitFor('A jobs in flight', () => (pending >= 4 ? true : undefined), 60_000);
      await a.stop('SIGKILL');
      const hitsAtKill = hits;

      // Next rounds come from B (its own queue): the runner claims them there.
      await waitFor(
        'a round from B',
        () => (hits >= hitsAtKill + 4 && pending === 0 ? true : undefined),
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
      expect(done.length).toBeGreaterThanOrEqual(8);
      expect({ lost, twice }).toEqual({ lost: [], twice: [] });
    }, 300_000);
  });
}
