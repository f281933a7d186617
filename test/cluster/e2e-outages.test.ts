// Three collector processes on one PostgreSQL schema (two of them started after the monitors were
// applied at the first), runner processes in regions `a` and `b` given every collector, six
// monitors of which three go down once and come back: each outage makes one incident and one
// GitHub issue, created once and closed once (the GitHub stand-in's request
// log), nothing for the monitors that stayed up, and every round of every monitor made by one
// collector only (the job-id prefix of each stored check names the process that scheduled it).
// The shards each collector reports in /readyz are disjoint and cover all 64.
//
// Timing without a test clock: the language allows no interval under 30 s; the monitors' slots
// are spread over the interval (test/support/kill-plan.ts) so rounds come every few seconds.
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../e2e/support.ts';
import { requirePostgres } from '../store/postgres-support.ts';
import { Cluster, doubleScheduled, monitorDocs, REPO } from '../support/cluster-harness.ts';
import { auditIssues } from '../support/kill-audit.ts';
import { spreadIds } from '../support/kill-plan.ts';

const INTERVAL = 30_000;
/** How long a target stays down: more than one interval, so every flipping monitor fails a round. */
const DOWN_MS = 40_000;

let cluster: Cluster | null = null;
afterAll(async () => {
  await cluster?.close();
});

if (await requirePostgres('cluster end to end: outages')) {
  describe('three collectors on one database', () => {
    it('deliver one issue per outage, created and closed once, each round made by one collector', async () => {
      // The monitors exist before two of the collectors start: those load them all, and must
      // schedule only the ones of the shards they take over (rebalance on join).
      cluster = await Cluster.start({ collectors: 3, started: 1 });
      const c = cluster;
      const ids = spreadIds('outage', 6, INTERVAL);
      const flipping = ids.slice(0, 3);
      await c.sync(monitorDocs(ids, (path) => c.target.url(path)));
      await Promise.all([c.startCollector(1), c.startCollector(2)]);
      await c.startRunners();
      const t0 = Date.now();
      for (const id of flipping) c.target.set(`/${id}`, 'error');
      await waitFor(
        'an incident open for every flipping monitor',
        async () => {
          const list = await c.api<{ incidents: Array<{ monitorId: string | null; open: boolean }> }>(
            'v1/incidents?status=open&limit=500',
          );
          return flipping.every((id) => list.incidents.some((i) => i.monitorId === id)) ? true : undefined;
        },
        90_000,
      );
      const wait = t0 + DOWN_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      for (const id of flipping) c.target.set(`/${id}`, 'ok');

      // Each collector's /readyz shards: disjoint, and all 64 between them (read until no lease is
      // in passage between two reads).
      const shards = await waitFor(
        'the shards spread over the three collectors',
        async () => {
          const sets = await Promise.all(
            c.slots.map(async (s) => ((await c.readyz(s.index)).body.shards ?? []) as number[]),
          );
          const all = sets.flat().sort((x, y) => x - y);
          return all.length === 64 && new Set(all).size === 64 ? sets : undefined;
        },
        30_000,
      );

      const incidents = await waitFor(
        'every incident resolved and delivered',
        async () => {
          const all = await c.incidents();
          const done = all.every(
            (i) => !i.open && (i.alert?.deliveries ?? []).every((d) => d.pending === 0 && d.state !== 'open'),
          );
          return done && all.length > 0 ? all : undefined;
        },
        120_000,
      );
      const end = Date.now();

      const double: string[] = [];
      let checks = 0;
      for (const id of ids) {
        const stored = await c.checks(id);
        checks += stored.length;
        double.push(...doubleScheduled(stored));
      }
      const mutations = c.github.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH');
      const byMonitor = new Map<string, number>();
      for (const i of incidents)
        if (i.monitorId !== null) byMonitor.set(i.monitorId, (byMonitor.get(i.monitorId) ?? 0) + 1);
      console.log(
        `cluster outages: ${incidents.length} incidents, ${c.github.issues(REPO).length} issues, ` +
          `${mutations.length} GitHub mutations, ${checks} checks stored, ${double.length} rounds made twice, ` +
          `shards held ${shards.map((s) => s.length).join('/')}, ${Math.round((end - t0) / 1000)} s`,
      );

      expect(Object.fromEntries(byMonitor)).toEqual(Object.fromEntries(flipping.map((id) => [id, 1])));
      expect(auditIssues(c.github, REPO, incidents)).toEqual([]);
      expect(c.github.violations).toEqual([]);
      expect(double).toEqual([]);
      expect(shards.every((set) => set.length > 0)).toBe(true);
    }, 300_000);
  });
}
