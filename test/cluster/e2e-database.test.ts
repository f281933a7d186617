// PostgreSQL out of reach under load, without touching the server other tests share: the three
// collectors reach it through a TCP proxy on loopback (test/support/tcp-proxy.ts), cut CUTS times
// for CUT_MS each (every open connection reset, new ones refused) while runners in regions `a`
// and `b` serve twelve monitors. During each cut every collector's /readyz answers 503; after each
// cut /readyz is 200 again and, at the end, every request a target got is one stored check (none
// lost, none twice), no monitor went unchecked over one interval + 30 s, and there is no incident
// (no false down).
//
// A cut outlasts the lease renewal (every 5 s): a collector whose lease round gets no answer keeps
// the shards it holds and claims go on through the peers last known (ARCHITECTURE.md "Cluster"),
// so at least half of the rounds due inside the cuts are probed there (10 of about 12 seen; before
// peers were kept through the outage, 0 to 5).
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../e2e/support.ts';
import { requirePostgres } from '../store/postgres-support.ts';
import { Cluster, maxGap, monitorDocs, type StoredCheck } from '../support/cluster-harness.ts';
import { spreadIds } from '../support/kill-plan.ts';

const INTERVAL = 30_000;
const CUTS = 2;
const CUT_MS = 15_000;
const BETWEEN_CUTS_MS = 10_000;
const MAX_GAP_MS = INTERVAL + 30_000;

let cluster: Cluster | null = null;
afterAll(async () => {
  await cluster?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (await requirePostgres('cluster end to end: database out of reach')) {
  describe('PostgreSQL out of reach under load', () => {
    it('makes every collector not ready, buffers the results, and stores every one after', async () => {
      cluster = await Cluster.start({ collectors: 3, databaseProxy: true });
      const c = cluster;
      const proxy = c.proxy!;
      await c.startRunners();
      const ids = spreadIds('pgcut', 12, INTERVAL);
      await c.sync(monitorDocs(ids, (path) => c.target.url(path)));
      const t0 = Date.now();
      // Every monitor has run once, and the shards are spread, before the first cut.
      await waitFor(
        'a check of every monitor',
        () => (ids.every((id) => c.target.hitsOf(`/${id}`).length > 0) ? true : undefined),
        60_000,
      );

      const cuts: Array<{ from: number; to: number }> = [];
      const notReady: number[] = [];
      for (let n = 0; n < CUTS; n++) {
        const from = Date.now();
        proxy.cutOff();
        await sleep(2_000);
        const answers = await Promise.all(c.slots.map((s) => c.readyz(s.index)));
        notReady.push(answers.filter((a) => a.status === 503).length);
        await sleep(CUT_MS - (Date.now() - from));
        proxy.restore();
        cuts.push({ from, to: Date.now() });
        await waitFor(
          'every collector ready again',
          async () => {
            const after = await Promise.all(c.slots.map((s) => c.readyz(s.index)));
            return after.every((a) => a.status === 200) ? true : undefined;
          },
          30_000,
        );
        await sleep(BETWEEN_CUTS_MS);
      }
      // One more interval on a reachable database, then the runners deliver what they hold and go.
      await sleep(INTERVAL);
      await c.stopRunners();
      const end = Date.now();

      const checks = new Map<string, StoredCheck[]>();
      await waitFor(
        'every request a target got stored as a check',
        async () => {
          for (const id of ids) checks.set(id, await c.checks(id));
          return ids.every((id) => checks.get(id)!.length >= c.target.hitsOf(`/${id}`).length)
            ? true
            : undefined;
        },
        30_000,
      ).catch(() => undefined);
      const counts = Object.fromEntries(ids.map((id) => [id, checks.get(id)!.length]));
      const hits = Object.fromEntries(ids.map((id) => [id, c.target.hitsOf(`/${id}`).length]));
      const inCuts = [...checks.values()]
        .flat()
        .filter((k) =>
          cuts.some((cut) => Date.parse(k.at ?? '') >= cut.from && Date.parse(k.at ?? '') <= cut.to),
        );
      const gaps = ids.map((id) => {
        const list = checks.get(id)!;
        return maxGap(list, Date.parse(list[0]?.at ?? String(t0)), end - 5_000);
      });
      const incidents = await c.api<{ incidents: unknown[] }>('v1/incidents?status=all&limit=500');
      const stored = Object.values(counts).reduce((a, b) => a + b, 0);
      console.log(
        `cluster database cuts: ${CUTS} cuts of ${CUT_MS} ms, collectors not ready during each: ${notReady.join(', ')} of 3; ` +
          `${stored} checks stored for ${Object.values(hits).reduce((a, b) => a + b, 0)} target requests, ` +
          `${inCuts.length} made during the cuts, max gap ${Math.round(Math.max(...gaps) / 1000)} s, ${incidents.incidents.length} incidents`,
      );

      expect(notReady).toEqual(Array.from({ length: CUTS }, () => 3));
      const dueInCuts = (CUTS * CUT_MS * ids.length) / INTERVAL;
      expect(inCuts.length).toBeGreaterThanOrEqual(dueInCuts / 2);
      expect(counts).toEqual(hits);
      expect(gaps.filter((g) => g > MAX_GAP_MS)).toEqual([]);
      expect(incidents.incidents).toEqual([]);
    }, 300_000);
  });
}
