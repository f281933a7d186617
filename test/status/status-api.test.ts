// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here.
// GET /v1/status through `inject` on a real SQLite file, with the real engine producing the
// checks, states and incidents (test/status/world.ts), and history seeded in the same tables.
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../collector/rollups/uptime.ts';
import type { StatusModel } from '../../collector/status/model.ts';
import type { SqliteStore } from '../../collector/store/sqlite/index.ts';
import { materializeMaintenance } from '../../collector/store/sqlite/maintenance-job.ts';
import { SqliteStatusStore } from '../../collector/store/sqlite/status-store.ts';
import { type Harness, harness, TOKEN } from '../engine/harness.ts';
import { ISSUE_URL, insertIncident, SECRET_VALUE, type World, world } from './world.ts';

const pct = (ratio: number) => Math.round(ratio * 1e6) / 1e4;

describe('GET /v1/status', () => {
  let w: World;
  let body: StatusModel;
  beforeAll(async () => {
    w = await world();
    const response = await w.h.get('/v1/status');
    expect(response.statusCode).toBe(200);
    body = response.json() as StatusModel;
  }, 180_000);
  afterAll(() => w.h.destroy());
  const monitor = (id: string) => body.monitors.find((m) => m.id === id)!;

  it('says what is down, since when, and where the issue is', () => {
    expect(body.overall).toBe('partial_outage');
    expect(body.counts).toEqual({ down: 1, up: 2, paused: 1 });
    expect(body.monitors.map((m) => m.id)).toEqual(['api', 'blog', 'shop', 'web']);
    const api = monitor('api');
    expect(api).toMatchObject({ name: 'Public API', state: 'down' });
    expect(api.incident).toEqual({
      id: expect.stringMatching(/^api:down:/),
      kind: 'down',
      start: new Date(w.apiDownSince).toISOString(),
      reason: 'status',
      issueUrl: ISSUE_URL,
      suppressed: false,
    });
    expect(api.regions.map((r) => [r.region, r.ok, r.reason])).toEqual([
      ['r1', false, 'status'],
      ['r2', false, 'status'],
      ['r3', false, 'status'],
    ]);
    expect(monitor('blog').state).toBe('paused');
    expect(monitor('web').incident).toBeNull();
  });

  it('uptime per window: confirmed downtime over time since creation', () => {
    const now = w.h.clock.now();
    const current = now - w.apiDownSince;
    const api = monitor('api');
    expect(api.uptime['24h']).toBe(pct(1 - current / DAY_MS));
    expect(api.uptime['7d']).toBe(pct(1 - current / (7 * DAY_MS)));
    // The incident 10 days ago lasted one hour.
    expect(api.uptime['30d']).toBe(pct(1 - (current + 3_600_000) / (30 * DAY_MS)));
    expect(api.uptime['90d']).toBe(pct(1 - (current + 3_600_000) / (90 * DAY_MS)));
    // web: two hours down across midnight 3 days ago; flapping never counts as downtime.
    const web = monitor('web');
    expect(web.uptime).toEqual({
      '24h': 100,
      '7d': pct(1 - 7_200_000 / (7 * DAY_MS)),
      '30d': pct(1 - 7_200_000 / (30 * DAY_MS)),
      '90d': pct(1 - 7_200_000 / (90 * DAY_MS)),
    });
    // shop exists for 2 days: no downtime, 100% over every window.
    expect(monitor('shop').uptime).toEqual({ '24h': 100, '7d': 100, '30d': 100, '90d': 100 });
  });

  it('mean and p95 response time over 24 hours from the rollups', () => {
    const web = monitor('web');
    // Seeded: 23 hours of 60 checks at 120 + (i % 5) * 20 ms; live checks: 3.6 ms each.
    const live = web.responseTime.checks - 23 * 60;
    expect(live).toBeGreaterThan(0);
    let seeded = 0;
    for (let i = 1; i <= 23; i++) seeded += 60 * (120 + (i % 5) * 20);
    expect(web.responseTime.meanMs).toBe(
      Math.round(((seeded + live * 3.6) / web.responseTime.checks) * 10) / 10,
    );
    expect(web.responseTime.p95Ms).toBeGreaterThanOrEqual(160);
    expect(web.responseTime.p95Ms).toBeLessThanOrEqual(200);
    expect(monitor('shop').responseTime).toMatchObject({ meanMs: 3.6, p95Ms: 3.6 });
  });

  it('runners and regions, and never a secret value', async () => {
    expect(body.runners.map((r) => [r.region, r.online])).toEqual([
      ['r1', true],
      ['r2', true],
      ['r3', true],
    ]);
    expect(body.regions).toEqual([
      { region: 'r1', runners: 1, online: 1, impaired: false },
      { region: 'r2', runners: 1, online: 1, impaired: false },
      { region: 'r3', runners: 1, online: 1, impaired: false },
    ]);
    const raw = (await w.h.get('/v1/status')).body;
    expect(raw).not.toContain(SECRET_VALUE);
    expect(monitor('api').url).toBe('https://api.example.invalid/health?key=${API_KEY}');
  });

  it('ETag and Cache-Control: a poller revalidates for free', async () => {
    const first = await w.h.get('/v1/status');
    expect(first.headers['cache-control']).toBe('public, no-cache');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await w.h.app.inject({
      method: 'GET',
      url: '/v1/status',
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const other = await w.h.app.inject({
      method: 'GET',
      url: '/v1/status',
      headers: { 'if-none-match': '"nope"' },
    });
    expect(other.statusCode).toBe(200);
  });

  it('sends the precomputed gzip to clients that accept it', async () => {
    const plain = await w.h.get('/v1/status');
    const zipped = await w.h.app.inject({
      method: 'GET',
      url: '/v1/status',
      headers: { 'accept-encoding': 'br;q=1, gzip;q=0.8' },
    });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.etag).toBe(plain.headers.etag);
    expect(gunzipSync(zipped.rawPayload).toString('utf8')).toBe(plain.body);
    const refused = await w.h.app.inject({
      method: 'GET',
      url: '/v1/status',
      headers: { 'accept-encoding': 'gzip;q=0' },
    });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it('?monitor= filters; unknown monitors and parameters are errors with codes', async () => {
    const one = await w.h.get('/v1/status?monitor=web,shop');
    expect((one.json() as StatusModel).monitors.map((m) => m.id)).toEqual(['web', 'shop']);
    expect(one.headers.etag).not.toBe((await w.h.get('/v1/status')).headers.etag);
    const missing = await w.h.get('/v1/status?monitor=nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'VIGIL_ERR_NOT_FOUND' });
    const bad = await w.h.get('/v1/status?bogus=1');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VIGIL_ERR_BAD_REQUEST' });
  });
});

// Hours of fake time over a real store: seconds idle, many more on a loaded machine.
describe('maintenance and pauses in uptime (through the API)', { timeout: 120_000 }, () => {
  let h: Harness;
  afterEach(() => h.destroy());

  it('an incident inside a maintenance window costs nothing, before and after materialization', async () => {
    h = await harness({ config: { statusMaxAgeMs: 0, retentionIntervalMs: 0 } });
    const now = h.clock.now();
    const start = new Date(now - 2 * 3_600_000).toISOString();
    const end = new Date(now - 3_600_000).toISOString();
    await h.sync([
      { id: 'plain', url: 'https://plain.example.invalid/' },
      { id: 'maint', url: 'https://maint.example.invalid/', maintenance: [{ start, end }] },
    ]);
    const store = h.app.vigil.store as SqliteStore;
    await store.db.write(async (tx) => {
      await tx.run('UPDATE monitors SET created_at = ?', [now - 10 * DAY_MS]);
      await tx.run('UPDATE monitor_histories SET first_result_at = ?', [now - 10 * DAY_MS]);
    });
    for (const id of ['plain', 'maint']) {
      await insertIncident(
        store,
        id,
        `${id}:down:x`,
        now - 2 * 3_600_000 + 600_000,
        now - 2 * 3_600_000 + 1_800_000,
      );
    }
    const uptime = async () =>
      Object.fromEntries(
        (await h.json<StatusModel>('/v1/status')).monitors.map((m) => [m.id, m.uptime['24h']]),
      );
    const expected = { plain: pct(1 - 1_200_000 / DAY_MS), maint: 100 };
    expect(await uptime()).toEqual(expected);
    const statusStore = new SqliteStatusStore(store.db);
    expect(await materializeMaintenance(store.db, await statusStore.catalog(), now)).toBe(1);
    expect(await uptime()).toEqual(expected);
    // The window is edited away later: materialized history keeps it.
    await h.sync([
      { id: 'plain', url: 'https://plain.example.invalid/' },
      { id: 'maint', url: 'https://maint.example.invalid/' },
    ]);
    expect(await uptime()).toEqual(expected);
  });

  it('paused time is not counted', async () => {
    h = await harness({ config: { statusMaxAgeMs: 0, retentionIntervalMs: 0 } });
    await h.sync([{ id: 'svc', url: 'https://svc.example.invalid/' }]);
    const store = h.app.vigil.store as SqliteStore;
    const t0 = h.clock.now();
    // Checked from the start (no runner here): uptime counts from the first result.
    await store.db.write((tx) => tx.run('UPDATE monitor_histories SET first_result_at = ?', [t0]));
    await h.sync([{ id: 'svc', url: 'https://svc.example.invalid/', paused: true }]);
    await h.advance(3_600_000);
    await h.sync([{ id: 'svc', url: 'https://svc.example.invalid/' }]);
    await h.advance(3_600_000);
    // Down for 30 minutes inside the pause, and 6 minutes after it.
    await insertIncident(store, 'svc', 'svc:down:a', t0 + 600_000, t0 + 2_400_000);
    await insertIncident(store, 'svc', 'svc:down:b', t0 + 3_600_000 + 60_000, t0 + 3_600_000 + 420_000);
    const svc = (await h.json<StatusModel>('/v1/status')).monitors[0]!;
    expect(svc.uptime['24h']).toBe(pct(1 - 360_000 / 3_600_000));
  });
});

describe('snapshot caching', () => {
  let h: Harness;
  afterEach(() => h.destroy());

  it('serves a fresh snapshot as is, and never one older than maxAgeMs', async () => {
    h = await harness({ config: { statusMaxAgeMs: 60_000, retentionIntervalMs: 0 } });
    const ids = async () => (await h.json<StatusModel>('/v1/status')).monitors.map((m) => m.id);
    const until = async (want: string[]) => {
      let seen = await ids();
      // Polled: a background rebuild runs on its own time (a deadline far above a loaded machine's).
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && JSON.stringify(seen) !== JSON.stringify(want)) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        seen = await ids();
      }
      return seen;
    };
    // The snapshot built at start (no monitors yet) is fresh for a minute.
    expect(await until([])).toEqual([]);
    await h.sync([{ id: 'one', url: 'https://one.example.invalid/' }]);
    expect(await ids()).toEqual([]);
    const first = await h.get('/v1/status');
    expect(first.headers['cache-control']).toBe('public, max-age=60');
    await h.advance(61_000);
    // Older than maxAgeMs: the read waits for a rebuild instead of serving stale data (before, it
    // answered the empty snapshot at once).
    expect(await ids()).toEqual(['one']);
    await h.sync([
      { id: 'one', url: 'https://one.example.invalid/' },
      { id: 'two', url: 'https://two.example.invalid/' },
    ]);
    // Fresh again: `two` waits for the next rebuild.
    expect(await ids()).toEqual(['one']);
  });
});

describe('private status', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({
      config: {
        statusPublic: false,
        statusToken: 'read-token-0123456789',
        statusMaxAgeMs: 0,
        retentionIntervalMs: 0,
      },
    });
    await h.sync([{ id: 'svc', url: 'https://svc.example.invalid/' }]);
  });
  afterAll(() => h.destroy());
  const get = (url: string, authorization?: string) =>
    h.app.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } });

  it('needs the read or admin token on the status, page, badges and metrics', async () => {
    for (const url of ['/v1/status', '/', '/badge/svc.svg', '/badge/svc.json', '/metrics']) {
      const anonymous = await get(url);
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.json()).toMatchObject({ code: 'VIGIL_ERR_UNAUTHORIZED' });
      expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm="vigil status"/);
      expect((await get(url, 'Bearer wrong-token-0123456789')).statusCode, url).toBe(401);
      expect((await get(url, 'Bearer read-token-0123456789')).statusCode, url).toBe(200);
      expect((await get(url, `Bearer ${TOKEN}`)).statusCode, url).toBe(200);
      const basic = `Basic ${Buffer.from('anyone:read-token-0123456789').toString('base64')}`;
      expect((await get(url, basic)).statusCode, url).toBe(200);
    }
    const ok = await get('/v1/status', 'Bearer read-token-0123456789');
    expect(ok.headers['cache-control']).toBe('private, no-cache');
    expect(ok.headers.vary).toBe('Accept-Encoding, Authorization');
    expect((await get('/healthz')).statusCode).toBe(200);
    expect((await get('/readyz')).statusCode).toBe(200);
  });
});
