// What survives a restart (states, history, open incidents, runner sessions), the incident sink
// hook inside the flush transaction, and region impairment through the real engine.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredIncidentEvent } from '../../collector/store/runtime-types.ts';
import { writeTxOf } from '../../collector/store/sqlite/database.ts';
import type { SqliteStore } from '../../collector/store/sqlite/index.ts';
import { FakeClock } from './fake-clock.ts';
import { drive, type Harness, harness, START } from './harness.ts';

let open: Harness[] = [];
let dirs: string[] = [];
afterEach(async () => {
  for (const h of open.reverse()) await h.destroy();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  open = [];
  dirs = [];
});
async function make(options: Parameters<typeof harness>[0] = {}): Promise<Harness> {
  const h = await harness(options);
  open.push(h);
  return h;
}

// Minutes of fake time over a real store: seconds idle, many more on a loaded machine.
const FAKE_TIME = { timeout: 120_000 };

describe('restart', FAKE_TIME, () => {
  it('keeps states, history, the open incident and runner sessions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-restart-'));
    dirs.push(dir);
    const clock = new FakeClock(START);
    const first = await make({ dir, clock });
    for (const region of ['r1', 'r2', 'r3']) await first.register(region);
    await first.sync([{ id: 'api', url: 'https://api.example.invalid/' }]);
    await drive(first, 70_000, () => true);
    await drive(first, 130_000, () => false);
    const before = await first.json<{ state: string; since: string; incident: { id: string } | null }>(
      '/v1/monitors/api',
    );
    expect(before.state).toBe('down');
    const history = await first.json<{ checks: Array<{ id: string }> }>('/v1/monitors/api/checks?limit=1000');
    const runners = first.runners.map((r) => ({ ...r }));
    await first.close();

    const second = await make({ dir, clock });
    const after = await second.json<typeof before>('/v1/monitors/api');
    expect(after).toMatchObject({
      state: 'down',
      since: before.since,
      incident: { id: before.incident!.id },
    });
    const again = await second.json<{ checks: Array<{ id: string }> }>('/v1/monitors/api/checks?limit=1000');
    expect(again.checks.map((c) => c.id)).toEqual(history.checks.map((c) => c.id));
    // Sessions survive: the runners go on with their tokens (no 401), and recovery ends the
    // same incident.
    second.runners.push(...runners);
    await drive(second, 90_000, () => true);
    const recovered = await second.json<{ state: string }>('/v1/monitors/api');
    expect(recovered.state).toBe('up');
    const incidents = await second.json<{ incidents: Array<{ id: string; open: boolean }> }>('/v1/incidents');
    expect(incidents.incidents).toEqual([expect.objectContaining({ id: before.incident!.id, open: false })]);
  });
});

describe('incident sink', FAKE_TIME, () => {
  it('runs inside the flush transaction with ordered events; a throw rolls the flush back and it is retried', async () => {
    const h = await make();
    const store = h.app.vigil.store as SqliteStore;
    const seen: StoredIncidentEvent[] = [];
    let failNext = true;
    store.runtime.setIncidentSink(async (events, tx) => {
      // The incident rows of this very flush are visible to the hook's transaction.
      const row = await writeTxOf(tx).get<{ n: number }>('SELECT count(*) AS n FROM incidents WHERE id = ?', [
        events[0]!.event.incidentId,
      ]);
      expect(row!.n).toBe(1);
      if (failNext) {
        failNext = false;
        throw new Error('outbox unavailable');
      }
      seen.push(...events);
    });
    for (const region of ['r1', 'r2']) await h.register(region);
    await h.sync([{ id: 'api', url: 'https://api.example.invalid/' }]);
    await drive(h, 70_000, () => true);
    await drive(h, 130_000, () => false);
    await h.app.vigil.runtime.engine.flush().catch(() => undefined);
    await h.app.vigil.runtime.engine.flush();
    const opened = seen.filter((e) => e.source === 'monitor' && e.event.type === 'opened');
    expect(opened).toHaveLength(1);
    expect(seen.map((e) => e.seq)).toEqual([...seen.map((e) => e.seq)].sort((a, b) => a - b));
    const incidents = await h.json<{ incidents: unknown[] }>('/v1/incidents');
    expect(incidents.incidents).toHaveLength(1);
  });
});

describe('impaired region', FAKE_TIME, () => {
  it('a region failing for most monitors while others succeed is impaired: one region incident, no monitor incident', async () => {
    const h = await make();
    for (const region of ['r1', 'r2', 'r3']) await h.register(region);
    const ids = Array.from({ length: 8 }, (_, i) => `m${i}`);
    await h.sync(ids.map((id) => ({ id, url: `https://${id}.example.invalid/`, interval: '30s' })));
    await drive(h, 240_000, (runner) => runner.region !== 'r3');
    const list = await h.json<{
      runners: Array<{ region: string; regionImpaired: boolean }>;
      regions: Array<{ region: string; impaired: boolean }>;
    }>('/v1/runners');
    expect(list.runners.find((r) => r.region === 'r3')!.regionImpaired).toBe(true);
    expect(list.regions.find((r) => r.region === 'r3')!.impaired).toBe(true);
    expect(list.regions.find((r) => r.region === 'r1')!.impaired).toBe(false);
    const incidents = await h.json<{
      incidents: Array<{ kind: string; region: string | null; open: boolean }>;
    }>('/v1/incidents');
    expect(incidents.incidents).toEqual([
      expect.objectContaining({ kind: 'region', region: 'r3', open: true }),
    ]);
    for (const id of ids) expect((await h.json<{ state: string }>(`/v1/monitors/${id}`)).state).toBe('up');
    // r3's results are still stored, set aside with the `impaired` mark once it is impaired.
    const marks = new Set<string | null>();
    for (const id of ids) {
      const page = await h.json<{ checks: Array<{ region: string; mark: string | null }> }>(
        `/v1/monitors/${id}/checks?limit=1000`,
      );
      for (const c of page.checks) if (c.region === 'r3') marks.add(c.mark);
    }
    expect(marks.has('impaired')).toBe(true);
  });
});

describe('embedded runner sessions', FAKE_TIME, () => {
  it('a restart retires the previous process embedded runner instead of listing it twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-restart-'));
    dirs.push(dir);
    const clock = new FakeClock(START);
    const first = await make({ dir, clock });
    await first.app.vigil.runtime.transport.register({
      region: 'local',
      name: 'embedded',
      version: '1',
      concurrency: 5,
    });
    await first.advance(1000);
    await first.close();
    const second = await make({ dir, clock });
    await second.app.vigil.runtime.transport.register({
      region: 'local',
      name: 'embedded',
      version: '1',
      concurrency: 5,
    });
    const list = await second.json<{ runners: Array<{ name: string; embedded: boolean }> }>('/v1/runners');
    expect(list.runners).toEqual([expect.objectContaining({ name: 'embedded', embedded: true })]);
  });
});
