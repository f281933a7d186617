// The engine wiring the scheduler, verdict, job queue and storage, through the HTTP API with a
// fake clock and a real SQLite file: leases, misses, quorum, marks, incidents, pause, cadence.
import { afterEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../collector/store/sqlite/index.ts';
import { checkResult, drive, type Harness, harness } from './harness.ts';

let open: Harness[] = [];
async function make(options: Parameters<typeof harness>[0] = {}): Promise<Harness> {
  const h = await harness(options);
  open.push(h);
  return h;
}
afterEach(async () => {
  for (const h of open.reverse()) await h.destroy();
  open = [];
});

interface MonitorBody {
  state: string;
  since: string;
  note: string | null;
  incident: { id: string; kind: string; start: string; failedChecks: number } | null;
  lastResults: Array<{ region: string; ok: boolean; mark: string | null; checkId: string }>;
}
interface CheckBody {
  id: string;
  at: string;
  region: string;
  purpose: string;
  ok: boolean;
  mark: string | null;
  reason: string | null;
  log?: unknown;
}
type Stats = {
  missed: Record<string, number>;
  requeued: number;
  results: { accepted: number; rejected: number; duplicates: number };
};

/** Misses per region in the hourly rollups (region '' = a whole round missed). */
async function missedRows(h: Harness): Promise<Array<{ region: string; missed: number }>> {
  const store = h.app.vigil.store as SqliteStore;
  return store.db.reader.all(
    'SELECT region, sum(missed) AS missed FROM rollups WHERE missed > 0 GROUP BY region ORDER BY region',
  );
}

const stats = (h: Harness) => h.json<Stats>('/v1/engine/stats', true);
const monitor = (h: Harness, id: string) => h.json<MonitorBody>(`/v1/monitors/${id}`);
const checks = async (h: Harness, id: string, query = '') =>
  (await h.json<{ checks: CheckBody[]; next: string | null }>(`/v1/monitors/${id}/checks${query}`, true))
    .checks;

// Minutes of fake time over a real store: seconds idle, many more on a loaded machine.
const FAKE_TIME = { timeout: 120_000 };

describe('leases', FAKE_TIME, () => {
  it('re-queues an expired lease once to another runner of the region, then counts it missed (no vote)', async () => {
    const h = await make();
    const a1 = await h.register('a', 'a-1');
    const a2 = await h.register('a', 'a-2');
    await h.sync([{ id: 'web', url: 'https://web.example.invalid/' }]);
    // Only a1 claims at first, and never answers.
    a2.silent = true;
    const [job] = await h.nextJobs(a1);
    expect(job).toBeDefined();
    a2.silent = false;
    // The lease is the timeout (15 s) + 15 s: still a1's after 20 s.
    await h.advance(20_000);
    expect(await h.claim(a2)).toEqual([]);
    await h.advance(11_000);
    expect((await stats(h)).requeued).toBe(1);
    // a1 was the one that let it expire: it does not get it back; a2 does.
    expect(await h.claim(a1)).toEqual([]);
    const again = await h.claim(a2);
    expect(again.map((j) => j.jobId)).toEqual([job!.jobId]);
    // a1's late answer is rejected: never a vote.
    const late = await h.post(a1, [{ jobId: job!.jobId, result: checkResult(false, h.clock.now()) }]);
    expect(late.rejected).toEqual([job!.jobId]);
    // a2 lets it expire too: missed, not re-queued a second time.
    await h.advance(31_000);
    const s = await stats(h);
    expect(s.requeued).toBe(1);
    expect(s.missed.lease_expired).toBe(1);
    expect(await h.claim(a1)).toEqual([]);
    expect(await h.claim(a2)).toEqual([]);
    const m = await monitor(h, 'web');
    expect(m.state).toBe('pending');
    expect(await checks(h, 'web')).toEqual([]);
    // Counted as missed in the hourly rollups, in the region it was last given to.
    await h.app.vigil.runtime.engine.flush();
    expect(await missedRows(h)).toEqual([{ region: 'a', missed: 1 }]);
  });

  it('re-queues to another region when the region has no other runner', async () => {
    const h = await make();
    const a = await h.register('a');
    const b = await h.register('b');
    await h.sync([{ id: 'web', url: 'https://web.example.invalid/' }]);
    // Whichever region gets the scheduled check holds it without answering.
    let holder = null as null | typeof a;
    let jobId = '';
    for (let i = 0; i < 120 && !holder; i++) {
      for (const r of [a, b]) {
        const jobs = await h.claim(r);
        if (jobs.length > 0) {
          holder = r;
          jobId = jobs[0]!.jobId;
        }
      }
      if (!holder) await h.advance(1000);
    }
    const other = holder === a ? b : a;
    await h.advance(31_000);
    const moved = await h.claim(other);
    expect(moved.map((j) => j.jobId)).toEqual([jobId]);
    await h.post(other, [{ jobId, result: checkResult(true, h.clock.now()) }]);
    const [check] = await checks(h, 'web');
    expect(check).toMatchObject({ id: jobId, region: other.region, ok: true });
  });

  it('a runner that goes offline loses its leases to the other runners at once', async () => {
    const h = await make();
    const a1 = await h.register('a', 'a-1');
    const a2 = await h.register('a', 'a-2');
    await h.sync([{ id: 'web', url: 'https://web.example.invalid/' }]);
    a2.silent = true;
    const [job] = await h.nextJobs(a1);
    a2.silent = false;
    a1.silent = true;
    await h.app.inject({
      method: 'POST',
      url: '/v1/runners/deregister',
      headers: { authorization: `Bearer ${a1.token}` },
    });
    expect((await h.claim(a2)).map((j) => j.jobId)).toEqual([job!.jobId]);
  });
});

describe('votes and misses', FAKE_TIME, () => {
  it('four regions: a failure confirmed by the others is down, with an incident; recovery ends it', async () => {
    const h = await make();
    for (const region of ['r1', 'r2', 'r3', 'r4']) await h.register(region);
    await h.sync([{ id: 'shop', url: 'https://shop.example.invalid/' }]);
    // Up first.
    await drive(h, 70_000, () => true);
    expect((await monitor(h, 'shop')).state).toBe('up');
    // The site goes down everywhere.
    const failAt = h.clock.now();
    await drive(h, 130_000, () => false);
    let m = await monitor(h, 'shop');
    expect(m.state).toBe('down');
    expect(m.incident).toMatchObject({ kind: 'down' });
    expect(Date.parse(m.incident!.start)).toBeGreaterThanOrEqual(failAt);
    expect(m.lastResults.map((r) => r.region)).toEqual(['r1', 'r2', 'r3', 'r4']);
    const open = await h.json<{ incidents: Array<{ id: string; open: boolean; kind: string }> }>(
      '/v1/incidents?status=open',
    );
    expect(open.incidents).toEqual([
      expect.objectContaining({ id: m.incident!.id, open: true, kind: 'down' }),
    ]);
    // The first failure and its verification votes are stored with their purposes.
    const history = await checks(h, 'shop');
    expect(history.some((c) => c.purpose === 'verify' && !c.ok)).toBe(true);
    expect(history.some((c) => c.purpose === 'down-round')).toBe(true);
    const lastFailure = Math.max(...history.filter((c) => !c.ok).map((c) => Date.parse(c.at)));
    // Back up.
    await drive(h, 70_000, () => true);
    m = await monitor(h, 'shop');
    expect(m.state).toBe('up');
    expect(m.incident).toBeNull();
    const detail = await h.json<{
      incident: { start: string; end: string; open: boolean; downtimeMs: number };
      events: Array<{ type: string }>;
    }>(`/v1/incidents/${encodeURIComponent(open.incidents[0]!.id)}`);
    expect(detail.incident.open).toBe(false);
    expect(Date.parse(detail.incident.end)).toBe(lastFailure);
    // Confirmed downtime, as uptime counts it: first failing check to last failing check.
    expect(detail.incident.downtimeMs).toBe(lastFailure - Date.parse(detail.incident.start));
    expect(detail.events.map((e) => e.type)).toContain('opened');
    expect(detail.events.at(-1)!.type).toBe('resolved');
  });

  it('a failure from one region only is never down: stored as unconfirmed, no incident', async () => {
    // statusMaxAgeMs 0: the status snapshot is rebuilt for the request, not kept from the start.
    const h = await make({ config: { statusMaxAgeMs: 0 } });
    for (const region of ['r1', 'r2', 'r3', 'r4']) await h.register(region);
    await h.sync([{ id: 'shop', url: 'https://shop.example.invalid/' }]);
    await drive(h, 300_000, (runner) => runner.region !== 'r3');
    const m = await monitor(h, 'shop');
    expect(m.state).toBe('up');
    const history = await checks(h, 'shop', '?limit=1000');
    const failures = history.filter((c) => !c.ok);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(f.mark).toBe('unconfirmed');
    expect((await h.json<{ incidents: unknown[] }>('/v1/incidents')).incidents).toEqual([]);
    // Unconfirmed failures never lower uptime: it is time not covered by confirmed downtime.
    const status = await h.json<{ monitors: Array<{ id: string; uptime: Record<string, number | null> }> }>(
      '/v1/status',
    );
    expect(status.monitors.find((s) => s.id === 'shop')?.uptime).toEqual({
      '24h': 100,
      '7d': 100,
      '30d': 100,
      '90d': 100,
    });
  });

  it('missed verification checks are no votes: one failure alone is inconclusive, never down', async () => {
    const h = await make();
    const a = await h.register('a');
    const b = await h.register('b');
    await h.sync([
      { id: 'web', url: 'https://web.example.invalid/', regions: ['a', 'b'], confirm: { regions: 1 } },
    ]);
    // a fails its scheduled check; b takes the verification and never answers (twice: missed).
    await drive(h, 200_000, (runner, job) =>
      runner === b && job.purpose === 'verify' ? null : runner !== a,
    );
    const s = await stats(h);
    expect(s.missed.lease_expired).toBeGreaterThan(0);
    const m = await monitor(h, 'web');
    expect(['up', 'verifying']).toContain(m.state);
    expect(m.incident).toBeNull();
    const history = await checks(h, 'web', '?limit=1000');
    expect(history.some((c) => c.mark === 'inconclusive')).toBe(true);
    expect(history.some((c) => !c.ok && c.mark === null && c.purpose === 'scheduled')).toBe(false);
  });

  it('a monitor whose regions have no runner says so and stays pending', async () => {
    const h = await make();
    await h.register('a');
    await h.sync([{ id: 'eu', url: 'https://eu.example.invalid/', regions: ['eu-west', 'eu-central'] }]);
    await h.advance(65_000);
    const m = await monitor(h, 'eu');
    expect(m.state).toBe('pending');
    expect(m.note).toBe('no runner in regions eu-west, eu-central');
    expect((await stats(h)).missed.no_runner).toBeGreaterThan(0);
    await h.app.vigil.runtime.engine.flush();
    expect(await missedRows(h)).toEqual([{ region: '', missed: (await stats(h)).missed.no_runner }]);
  });
});

describe('maintenance', FAKE_TIME, () => {
  it('checks and states go on inside a window, the incident is recorded as suppressed', async () => {
    const h = await make();
    for (const region of ['r1', 'r2']) await h.register(region);
    const start = new Date(h.clock.now() - 60_000).toISOString();
    const end = new Date(h.clock.now() + 3_600_000).toISOString();
    await h.sync([{ id: 'web', url: 'https://web.example.invalid/', maintenance: [{ start, end }] }]);
    await drive(h, 70_000, () => true);
    await drive(h, 130_000, () => false);
    const m = await monitor(h, 'web');
    expect(m.state).toBe('down');
    expect(m.incident).toMatchObject({ suppressed: true });
    const list = await h.json<{ incidents: Array<{ suppressed: boolean; open: boolean }> }>('/v1/incidents');
    expect(list.incidents).toEqual([expect.objectContaining({ suppressed: true, open: true })]);
    expect((await checks(h, 'web')).length).toBeGreaterThan(3);
  });
});

describe('monitor changes', FAKE_TIME, () => {
  it('paused monitors are not scheduled; cadence changes take effect at once', async () => {
    const h = await make();
    const a = await h.register('a');
    await h.sync([{ id: 'web', url: 'https://web.example.invalid/', paused: true }]);
    const seen = await drive(h, 90_000, () => true);
    expect(seen).toEqual([]);
    expect((await monitor(h, 'web')).state).toBe('paused');
    await h.sync([{ id: 'web', url: 'https://web.example.invalid/', interval: '30s' }]);
    const run = await drive(h, 120_000, () => true);
    expect((await monitor(h, 'web')).state).toBe('up');
    // 30 s cadence: about four checks in two minutes (the first within the first 30 s).
    expect(run.length).toBeGreaterThanOrEqual(3);
    expect(run.length).toBeLessThanOrEqual(5);
    expect(run.every((r) => r.runner === a)).toBe(true);
  });

  it('rename keeps state and history; replace starts anew; delete resolves the open incident', async () => {
    const h = await make();
    for (const region of ['r1', 'r2']) await h.register(region);
    await h.sync([{ id: 'old', url: 'https://a.example.invalid/' }]);
    await drive(h, 70_000, () => true);
    const before = await checks(h, 'old');
    expect(before.length).toBeGreaterThan(0);
    await h.sync([{ id: 'new', url: 'https://a.example.invalid/', renamed_from: 'old' }]);
    expect((await monitor(h, 'new')).state).toBe('up');
    expect((await checks(h, 'new')).map((c) => c.id)).toEqual(before.map((c) => c.id));
    // Replace (url changed): a new lineage, pending, no history.
    await h.sync([{ id: 'new', url: 'https://b.example.invalid/' }]);
    expect((await monitor(h, 'new')).state).toBe('pending');
    expect(await checks(h, 'new')).toEqual([]);
    // Down, then deleted: the incident is resolved (removed).
    await drive(h, 130_000, () => false);
    expect((await monitor(h, 'new')).state).toBe('down');
    await h.sync([]);
    const incidents = await h.json<{ incidents: Array<{ open: boolean; resolveCause: string }> }>(
      '/v1/incidents',
    );
    expect(incidents.incidents).toEqual([expect.objectContaining({ open: false, resolveCause: 'removed' })]);
  });
});

describe('history', FAKE_TIME, () => {
  it('pages checks newest first with a cursor, filters by time, and shows logs of failures to the admin', async () => {
    const h = await make();
    await h.register('a');
    await h.sync([
      { id: 'web', url: 'https://web.example.invalid/', interval: '30s', confirm: { regions: 0 } },
    ]);
    let n = 0;
    await drive(h, 12 * 30_000, () => n++ % 4 !== 3);
    const all = await checks(h, 'web', '?limit=1000');
    expect(all.length).toBeGreaterThanOrEqual(10);
    const times = all.map((c) => Date.parse(c.at));
    expect([...times].sort((x, y) => y - x)).toEqual(times);

    const pages: CheckBody[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=4${cursor ? `&before=${cursor}` : ''}`;
      const page: { checks: CheckBody[]; next: string | null } = await h.json(
        `/v1/monitors/web/checks${query}`,
      );
      pages.push(page.checks);
      cursor = page.next;
    } while (cursor);
    expect(pages.flat().map((c) => c.id)).toEqual(all.map((c) => c.id));
    expect(pages.slice(0, -1).every((p) => p.length === 4)).toBe(true);

    const since = all[2]!.at;
    const recent = await checks(h, 'web', `?since=${encodeURIComponent(since)}`);
    expect(recent.map((c) => c.id)).toEqual(all.slice(0, 3).map((c) => c.id));

    // Logs: admin only, failing checks only.
    const denied = await h.get('/v1/monitors/web/checks?log=true');
    expect(denied.statusCode).toBe(401);
    const withLogs = await checks(h, 'web', '?log=true&limit=1000');
    const failing = withLogs.find((c) => !c.ok)!;
    expect(failing.log).toMatchObject({ response: { status: 500 }, body: 'boom' });
    expect(withLogs.find((c) => c.ok)!.log).toBeNull();
    const one = await h.json<CheckBody>(`/v1/monitors/web/checks/${failing.id}`, true);
    expect(one).toMatchObject({ id: failing.id, reason: 'status', log: { body: 'boom' } });
    expect((await h.get(`/v1/monitors/web/checks/${failing.id}`)).statusCode).toBe(401);
    const bad = await h.get('/v1/monitors/web/checks?since=yesterday');
    expect(bad.statusCode).toBe(400);
  });
});
