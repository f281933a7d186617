// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here.
import { afterEach, describe, expect, it } from 'vitest';
import type { RoutePlugin } from '../../collector/api/route.ts';
import { ROUTE_PLUGINS } from '../../collector/routes.ts';
import type { ApiError, SyncPlan } from '../../schema/plan-types.ts';
import { type Built, build, TOKEN } from './build.ts';
import { declaredMonitors, doc } from './fixtures.ts';

let built: Built[] = [];
async function app(options: Parameters<typeof build>[0] = {}): Promise<Built> {
  const b = await build(options);
  built.push(b);
  return b;
}
afterEach(async () => {
  for (const b of built.reverse()) await b.destroy();
  built = [];
});

const plan = (response: { json(): unknown }) => response.json() as SyncPlan;
const error = (response: { json(): unknown }) => response.json() as ApiError;
const actions = (p: SyncPlan) =>
  p.changes.map((c) => `${c.action} ${c.id}${c.from ? ` from ${c.from}` : ''}`);

async function ids(b: Built): Promise<string[]> {
  const response = await b.get('/v1/monitors');
  return (response.json() as { monitors: { id: string }[] }).monitors.map((m) => m.id);
}

describe('POST /v1/sync', () => {
  it('plans without changing anything on dryRun, then applies', async () => {
    const b = await app();
    const monitors = [doc('api'), doc('web', { name: 'Web site' }), doc('blog')];
    const dry = await b.sync({ monitors, dryRun: true, revision: 'r1' });
    expect(dry.statusCode).toBe(200);
    expect(plan(dry)).toMatchObject({ applied: false, revision: 'r1', counts: { create: 3, unchanged: 0 } });
    expect(actions(plan(dry))).toEqual(['create api', 'create blog', 'create web']);
    expect(await ids(b)).toEqual([]);

    const applied = await b.sync({ monitors, revision: 'r1' });
    expect(applied.statusCode).toBe(200);
    expect(plan(applied)).toMatchObject({ applied: true, planId: plan(dry).planId, counts: { create: 3 } });
    expect(await ids(b)).toEqual(['api', 'blog', 'web']);

    const one = await b.get('/v1/monitors/web');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({
      id: 'web',
      name: 'Web site',
      revision: 1,
      gitRevision: 'r1',
      state: 'pending',
      spec: { id: 'web', url: 'https://web.example.invalid/health', method: 'GET', interval: 60_000 },
    });
    expect(new Date((one.json() as { createdAt: string }).createdAt).getTime()).toBeGreaterThan(0);
  });

  it('applying the same set twice is a no-op the second time', async () => {
    const b = await app();
    const monitors = [doc('api'), doc('web')];
    const first = plan(await b.sync({ monitors }));
    const second = plan(await b.sync({ monitors }));
    expect(second.counts).toEqual({ create: 0, update: 0, replace: 0, rename: 0, delete: 0, unchanged: 2 });
    expect(actions(second)).toEqual(['unchanged api', 'unchanged web']);
    expect(second.planId).not.toBe(first.planId);
    const third = plan(await b.sync({ monitors, dryRun: true }));
    expect(third.planId).toBe(second.planId);
    expect((await b.get('/v1/monitors/api')).json()).toMatchObject({ revision: 1 });
  });

  it('updates with a field diff in the language form, replaces on url/method, renames, deletes first', async () => {
    const b = await app();
    await b.sync({
      monitors: [doc('api'), doc('web'), doc('old'), doc('shop'), doc('gone')],
      revision: 'r1',
    });
    const next = [
      doc('api', { interval: '2m', alert: { after: '5m' } }),
      doc('web', { url: 'https://new.example.invalid/' }),
      doc('shop', { method: 'HEAD' }),
      doc('fresh', { renamed_from: 'old', url: 'https://old.example.invalid/health' }),
      doc('brand-new'),
    ];
    const p = plan(await b.sync({ monitors: next, dryRun: true }));
    expect(actions(p)).toEqual([
      'delete gone',
      'replace shop',
      'replace web',
      'rename fresh from old',
      'update api',
      'create brand-new',
    ]);
    const update = p.changes.find((c) => c.id === 'api')!;
    expect(update.diff).toEqual([
      { path: 'interval', before: '1m', after: '2m' },
      { path: 'alert.after', before: '3m', after: '5m' },
    ]);
    expect(p.changes.find((c) => c.id === 'web')!.diff).toEqual([
      { path: 'url', before: 'https://web.example.invalid/health', after: 'https://new.example.invalid/' },
    ]);
    expect(p.counts).toEqual({ create: 1, update: 1, replace: 2, rename: 1, delete: 1, unchanged: 0 });

    const before = (await b.app.vigil.store.monitors.get('old'))!;
    const webBefore = (await b.app.vigil.store.monitors.get('web'))!;
    const applied = plan(await b.sync({ monitors: next, revision: 'r2' }));
    expect(applied.planId).toBe(p.planId);
    expect(await ids(b)).toEqual(['api', 'brand-new', 'fresh', 'shop', 'web']);

    // Rename keeps the lineage; replace starts a new one and archives the old; delete archives.
    const store = b.app.vigil.store.monitors;
    expect((await store.get('fresh'))!.historyId).toBe(before.historyId);
    expect((await store.revisions('fresh')).map((r) => r.action)).toEqual(['create', 'rename']);
    expect((await store.get('web'))!.historyId).not.toBe(webBefore.historyId);
    expect(await store.archived('web')).toMatchObject([
      { reason: 'replace', historyId: webBefore.historyId },
    ]);
    expect(await store.archived('gone')).toMatchObject([{ reason: 'delete' }]);
    expect((await b.get('/v1/monitors/api')).json()).toMatchObject({ revision: 2, gitRevision: 'r2' });
    expect((await b.get('/v1/monitors/gone')).statusCode).toBe(404);
  });

  it('keeps undeclared monitors with prune: false', async () => {
    const b = await app();
    await b.sync({ monitors: [doc('a'), doc('b')] });
    const p = plan(await b.sync({ monitors: [doc('a')], prune: false }));
    expect(p.counts.delete).toBe(0);
    expect(await ids(b)).toEqual(['a', 'b']);
    expect(plan(await b.sync({ monitors: [doc('a')] })).counts.delete).toBe(1);
    expect(await ids(b)).toEqual(['a']);
  });

  it('refuses a set with one invalid monitor, names it, and changes nothing', async () => {
    const b = await app();
    await b.sync({ monitors: [doc('a')] });
    const response = await b.sync({
      monitors: [doc('a', { name: 'renamed' }), doc('b', { interval: 'often' }), doc('c')],
    });
    expect(response.statusCode).toBe(400);
    const body = error(response);
    expect(body.code).toBe('VIGIL_ERR_INVALID_MONITORS');
    expect(body.diagnostics?.length).toBeGreaterThan(0);
    expect(body.diagnostics![0]).toMatchObject({ file: 'request', severity: 'error' });
    expect(body.diagnostics![0]!.path).toMatch(/^monitors\[1\]\.interval$/);
    expect(await ids(b)).toEqual(['a']);
    expect((await b.get('/v1/monitors/a')).json()).toMatchObject({ name: 'a', revision: 1 });
  });

  it('refuses a stale plan with 409 and applies a current one', async () => {
    const b = await app();
    await b.sync({ monitors: [doc('a')] });
    const planned = plan(await b.sync({ monitors: [doc('a'), doc('b')], dryRun: true }));
    // Someone else changes the collector in between.
    await b.sync({ monitors: [doc('a'), doc('c')] });
    const stale = await b.sync({ monitors: [doc('a'), doc('b')], expectedPlanId: planned.planId });
    expect(stale.statusCode).toBe(409);
    expect(error(stale).code).toBe('VIGIL_ERR_STALE_PLAN');
    expect(await ids(b)).toEqual(['a', 'c']);

    const fresh = plan(await b.sync({ monitors: [doc('a'), doc('b')], dryRun: true }));
    const ok = await b.sync({ monitors: [doc('a'), doc('b')], expectedPlanId: fresh.planId });
    expect(ok.statusCode).toBe(200);
    expect(await ids(b)).toEqual(['a', 'b']);
  });

  it('answers 401 without a valid token and changes nothing', async () => {
    const b = await app();
    for (const token of [null, 'wrong-token-0123456789', `${TOKEN}x`, '']) {
      const response = await b.sync({ monitors: [doc('a')] }, token);
      expect(response.statusCode).toBe(401);
      expect(error(response).code).toBe('VIGIL_ERR_UNAUTHORIZED');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="vigil"');
    }
    const basic = await b.app.inject({
      method: 'POST',
      url: '/v1/sync',
      headers: { authorization: `Basic ${TOKEN}` },
      payload: { revision: null, monitors: [doc('a')] },
    });
    expect(basic.statusCode).toBe(401);
    expect(await ids(b)).toEqual([]);
  });

  it('answers 413 for a body over the 10 MiB limit, before reading it all', async () => {
    const b = await app();
    const padding = 'x'.repeat(10 * 1024 * 1024);
    const response = await b.sync({ monitors: [doc('a', { name: padding })] });
    expect(response.statusCode).toBe(413);
    expect(error(response).code).toBe('VIGIL_ERR_BODY_TOO_LARGE');
    expect(await ids(b)).toEqual([]);
  });

  it('serializes concurrent applies: each plans on what the previous one wrote', async () => {
    const b = await app();
    await b.sync({ monitors: [doc('x')] });
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        b.sync({ monitors: [doc('x', { name: `name-${i}` }), doc(`m${i}`)], prune: false }),
      ),
    );
    for (const response of responses) {
      expect(response.statusCode).toBe(200);
      expect(plan(response).changes.find((c) => c.id === 'x')!.action).toBe('update');
    }
    const revisions = await b.app.vigil.store.monitors.revisions('x');
    expect(revisions.map((r) => r.revision)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await ids(b)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'x']);
  });

  it('lets exactly one of two concurrent applies of the same plan id through', async () => {
    const b = await app();
    await b.sync({ monitors: [doc('a')] });
    const planned = plan(await b.sync({ monitors: [doc('a'), doc('b')], dryRun: true }));
    const [one, two] = await Promise.all([
      b.sync({ monitors: [doc('a'), doc('b')], expectedPlanId: planned.planId }),
      b.sync({ monitors: [doc('a'), doc('c')], expectedPlanId: planned.planId }),
    ]);
    expect([one!.statusCode, two!.statusCode].sort()).toEqual([200, 409]);
  });

  it('keeps everything across a restart', async () => {
    const b = await app();
    await b.sync({ monitors: [doc('a'), doc('b', { interval: '5m' })], revision: 'r1' });
    const before = declaredMonitors((await b.get('/v1/monitors')).json());
    await b.close();
    const again = await app({ dir: b.dir });
    expect(declaredMonitors((await again.get('/v1/monitors')).json())).toEqual(before);
    const p = plan(await again.sync({ monitors: [doc('a'), doc('b', { interval: '5m' })], dryRun: true }));
    expect(p.counts).toMatchObject({ unchanged: 2, create: 0, update: 0 });
  });

  it('rejects malformed bodies with VIGIL_ERR_BAD_REQUEST', async () => {
    const b = await app();
    for (const payload of [
      { revision: null, monitors: [], extra: 1 },
      { revision: null, monitors: [], dryRun: 'true' },
      { revision: null, monitors: {} },
      { monitors: [] },
      { revision: null, monitors: [], secrets: { A: 1 } },
    ]) {
      const response = await b.app.inject({
        method: 'POST',
        url: '/v1/sync',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(error(response).code).toBe('VIGIL_ERR_BAD_REQUEST');
    }
    const notJson = await b.app.inject({
      method: 'POST',
      url: '/v1/sync',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      payload: '{"revision":',
    });
    expect(notJson.statusCode).toBe(400);
    expect(error(notJson).code).toBe('VIGIL_ERR_BAD_REQUEST');
    const text = await b.app.inject({
      method: 'POST',
      url: '/v1/sync',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(error(text).code).toBe('VIGIL_ERR_UNSUPPORTED_MEDIA_TYPE');
    expect(await ids(b)).toEqual([]);
  });
});

describe('secrets', () => {
  const CANARY = 'canary-7f3a9c1e-do-not-leak';
  const monitors = [
    doc('private', {
      url: 'https://private.example.invalid/${PRIVATE_PATH}',
      headers: { Authorization: 'Bearer ${API_TOKEN}' },
    }),
  ];

  it('stores values for runners but shows only ${NAME} in every answer and log line', async () => {
    const b = await app();
    const secrets = { API_TOKEN: CANARY, PRIVATE_PATH: `${CANARY}-path` };
    const answers: string[] = [];
    answers.push((await b.sync({ monitors, secrets, dryRun: true })).body);
    answers.push((await b.sync({ monitors, secrets })).body);
    expect(await b.app.vigil.store.monitors.secrets('private')).toEqual(secrets);
    answers.push((await b.get('/v1/monitors')).body);
    answers.push((await b.get('/v1/monitors/private')).body);
    expect(JSON.parse(answers[3]!)).toMatchObject({
      spec: {
        url: 'https://private.example.invalid/${PRIVATE_PATH}',
        headers: { Authorization: 'Bearer ${API_TOKEN}' },
      },
    });

    // A changed value shows as "changed" on the unchanged text.
    const rotated = { API_TOKEN: `${CANARY}-2`, PRIVATE_PATH: `${CANARY}-path` };
    const changed = await b.sync({ monitors, secrets: rotated, dryRun: true });
    answers.push(changed.body);
    expect(plan(changed).changes[0]).toMatchObject({
      action: 'update',
      diff: [
        {
          path: 'headers.Authorization',
          before: 'Bearer ${API_TOKEN}',
          after: 'Bearer ${API_TOKEN}',
          secretChanged: true,
        },
      ],
    });
    answers.push((await b.sync({ monitors, secrets: rotated })).body);
    expect(await b.app.vigil.store.monitors.secrets('private')).toEqual(rotated);

    // Failures carry no values either, even a value pasted into a field that is not secret.
    answers.push((await b.sync({ monitors, secrets: rotated, expectedPlanId: 'nope' })).body);
    const pasted = await b.sync({
      monitors: [...monitors, doc('x', { interval: rotated.API_TOKEN })],
      secrets: rotated,
    });
    expect(error(pasted).code).toBe('VIGIL_ERR_INVALID_MONITORS');
    expect(error(pasted).diagnostics![0]!.message).toContain('${API_TOKEN}');
    answers.push(pasted.body);
    answers.push((await b.sync({ monitors, secrets: rotated }, 'wrong-token-0123456789')).body);

    for (const answer of answers) expect(answer, answer).not.toContain(CANARY);
    expect(b.logs()).toContain('sync applied');
    expect(b.logs()).not.toContain(CANARY);
  });

  it('refuses a missing secret value, naming monitor, field and variable', async () => {
    const b = await app();
    const response = await b.sync({ monitors, secrets: { PRIVATE_PATH: 'p' } });
    expect(response.statusCode).toBe(400);
    const body = error(response);
    expect(body.code).toBe('VIGIL_ERR_MISSING_SECRET');
    expect(body.diagnostics).toHaveLength(1);
    expect(body.diagnostics![0]!.code).toBe('secret_missing');
    expect(body.diagnostics![0]!.message).toContain('API_TOKEN');
    expect(body.diagnostics![0]!.message).toContain('private');
    expect(body.diagnostics![0]!.path ?? body.diagnostics![0]!.message).toMatch(/headers/);
    expect(await ids(b)).toEqual([]);
  });
});

describe('other routes and errors', () => {
  it('answers 404 with a code for unknown monitors and routes', async () => {
    const b = await app();
    const missing = await b.get('/v1/monitors/nope');
    expect(missing.statusCode).toBe(404);
    expect(error(missing).code).toBe('VIGIL_ERR_NOT_FOUND');
    const route = await b.get('/v2/nothing');
    expect(route.statusCode).toBe(404);
    expect(error(route).code).toBe('VIGIL_ERR_NOT_FOUND');
    expect((await b.get('/healthz')).json()).toEqual({ status: 'ok' });
  });

  it('never leaks internals in a 5xx answer', async () => {
    const broken: RoutePlugin = async (scope) => {
      scope.get('/v1/broken', async () => {
        throw new Error('SQLITE_CORRUPT at /secret/path/vigil.db');
      });
    };
    const b = await app({ routes: [...ROUTE_PLUGINS, broken] });
    const response = await b.get('/v1/broken');
    expect(response.statusCode).toBe(500);
    const body = error(response);
    expect(body.code).toBe('VIGIL_ERR_INTERNAL');
    expect(body.message).toMatch(/^internal error \(request .+\)$/);
    expect(response.body).not.toContain('SQLITE_CORRUPT');
    expect(response.body).not.toContain('/secret/path');
    expect(b.logs()).toContain('SQLITE_CORRUPT');
  });

  it('generates an admin token at first start, and only then', async () => {
    const b = await app({ config: { adminToken: null } });
    const token = b.app.vigil.generatedAdminToken!;
    expect(token).toMatch(/^vigil_[A-Za-z0-9_-]{43}$/);
    expect((await b.sync({ monitors: [doc('a')] }, token)).statusCode).toBe(200);
    await b.close();
    const again = await app({ dir: b.dir, config: { adminToken: null } });
    expect(again.app.vigil.generatedAdminToken).toBeNull();
    expect((await again.sync({ monitors: [doc('a')] }, token)).statusCode).toBe(200);
    expect((await again.sync({ monitors: [doc('a')] }, TOKEN)).statusCode).toBe(401);
  });
});
