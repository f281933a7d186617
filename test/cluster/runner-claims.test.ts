// Claims across collectors: two collector processes on one PostgreSQL schema split the 64 shards;
// one runner process talks to collector A only. Every monitor is checked, also those B schedules:
// A's claims take B's due jobs through /internal/v1/claims (cluster secret), and their results,
// posted to A, are forwarded to B and counted there as votes (stored not late).
import { createServer } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyMonitors,
  startE2eCollector,
  startFlipTarget,
  startRunnerProcess,
  waitFor,
} from '../e2e/support.ts';
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

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const MONITORS = 64;

if (await requirePostgres('runner claims across collectors')) {
  describe('a runner at one collector of two', () => {
    it("runs the jobs of both collectors' shards; the other's results are its votes", async () => {
      const schema = freshSchema();
      cleanups.push(() => dropSchema(schema));
      const target = await startFlipTarget();
      cleanups.push(() => target.close());
      const secret = 'cluster-secret-0123456789abcdef';
      const start = async () => {
        const port = await freePort();
        return startE2eCollector({
          VIGIL_DATABASE_URL: schemaUrl(schema),
          VIGIL_PORT: String(port),
          VIGIL_ADVERTISE_URL: `http://127.0.0.1:${port}`,
          VIGIL_CLUSTER_SECRET: secret,
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

      // Lineages 1..64: every shard has one monitor, so both collectors schedule some.
      const ids = Array.from({ length: MONITORS }, (_, i) => `claims-${i}`);
      await applyMonitors(
        a,
        `defaults:\n  interval: 30s\n  timeout: 5s\n  regions: [a]\n  confirm: { regions: 1 }\nmonitors:\n${ids
          .map((id) => `  - id: ${id}\n    url: ${target.url(`/${id}`)}\n`)
          .join('')}`,
      );
      const runner = await startRunnerProcess({ collector: a.url, region: 'a', concurrency: 20 });
      cleanups.push(() => runner.stop('SIGKILL'));

      let lastOnTime = 0;
      const checked = await waitFor(
        'every monitor checked on time',
        async () => {
          const rows = await query<{ monitor_id: string; on_time: number; prefixes: number }>(
            `SELECT monitor_id, count(*) FILTER (WHERE NOT late)::int AS on_time,
               count(DISTINCT split_part(job_id, '-', 1))::int AS prefixes
             FROM "${schema}".checks GROUP BY monitor_id`,
          );
          lastOnTime = rows.filter((r) => r.on_time > 0).length;
          return lastOnTime === MONITORS ? rows : undefined;
        },
        120_000,
      ).catch((error: Error) => {
        throw new Error(`${lastOnTime} of ${MONITORS} monitors checked on time: ${error.message}`);
      });
      const prefixes = await query<{ n: number }>(
        `SELECT count(DISTINCT split_part(job_id, '-', 1))::int AS n FROM "${schema}".checks`,
      );
      console.log(
        `runner claims: ${checked.length} monitors checked on time through A, jobs of ${prefixes[0]!.n} collectors`,
      );
      expect(prefixes[0]!.n).toBe(2);
    }, 300_000);
  });
}
