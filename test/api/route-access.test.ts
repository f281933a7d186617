// Who may call each route. Every route the collector registers is classified here; a route that
// is not (a new one) fails, so none can be added without deciding its access. The classes:
//   public  always answers (/healthz, /readyz: load balancers, no data)
//   read    public while the status is public; with VIGIL_STATUS_PUBLIC=false the read (status)
//           token or the admin token: the status, page, badges, /metrics and every JSON read
//   admin   the admin token (sync, engine figures, a check's response log)
//   runner  a runner session token; region: a region key (register)
//   internal  another collector of the cluster (VIGIL_CLUSTER_SECRET); without one, always 401
// The declared class is read from the route's auth hooks (collector/http/auth.ts withAccess), and
// each class is then exercised over `inject`.
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Access, accessOf } from '../../collector/http/auth.ts';
import { type Built, build, TOKEN } from '../collector/build.ts';

type Class = Access | 'public';

const TABLE: Record<string, Class> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'POST /v1/sync': 'admin',
  'GET /v1/monitors': 'read',
  'GET /v1/monitors/:id': 'read',
  'GET /v1/monitors/:id/checks': 'read',
  'GET /v1/monitors/:id/checks/:checkId': 'admin',
  'GET /v1/incidents': 'read',
  'GET /v1/incidents/:id': 'read',
  'GET /v1/runners': 'read',
  'POST /v1/runners/register': 'region',
  'POST /v1/runners/claim': 'runner',
  'POST /v1/runners/results': 'runner',
  'POST /v1/runners/heartbeat': 'runner',
  'POST /v1/runners/deregister': 'runner',
  'POST /internal/v1/claims': 'internal',
  'POST /internal/v1/results': 'internal',
  'GET /v1/engine/stats': 'admin',
  'GET /v1/status': 'read',
  'GET /': 'read',
  'GET /badge/:file': 'read',
  'GET /feed.atom': 'read',
  'GET /feed/:id.atom': 'read',
  // Prometheus scrapes with the read token when the status is private (`authorization:` in its
  // scrape config): the metrics name every monitor, so they are as private as the page.
  'GET /metrics': 'read',
  // The API's description: routes and their access, no data.
  'GET /openapi.json': 'public',
};

const READ_TOKEN = 'read-token-0123456789abcdef';
const REGION_KEY = 'region-key-0123456789abcdef';

function keyOf(route: RouteOptions): string {
  // HEAD routes are Fastify's copies of GET routes, with the same hooks.
  const method = route.method === 'HEAD' ? 'GET' : String(route.method);
  return `${method} ${route.url}`;
}

function hooksOf(route: RouteOptions): unknown[] {
  const list = (hooks: unknown) => (hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]);
  return [...list(route.onRequest), ...list(route.preHandler), ...list(route.preValidation)];
}

function declared(route: RouteOptions): Class {
  const classes = hooksOf(route)
    .map(accessOf)
    .filter((access) => access !== undefined);
  expect(classes.length, `${keyOf(route)} has more than one auth hook`).toBeLessThanOrEqual(1);
  return classes[0] ?? 'public';
}

function urlOf(route: RouteOptions): string {
  return route.url.replace(':checkId', 'c1').replace(':file', 'api.svg').replace(/:id/g, 'api');
}

let priv: Built;
let pub: Built;
beforeAll(async () => {
  const regionKeys = { any: REGION_KEY, byRegion: {} };
  priv = await build({
    config: { embeddedRunner: false, statusPublic: false, statusToken: READ_TOKEN, regionKeys },
  });
  pub = await build({ config: { embeddedRunner: false, regionKeys } });
  for (const b of [priv, pub]) {
    const synced = await b.sync({
      monitors: [{ id: 'api', name: 'API', url: 'http://127.0.0.1:9/secret-path' }],
    });
    expect(synced.statusCode).toBe(200);
  }
});
afterAll(async () => {
  await priv.destroy();
  await pub.destroy();
});

describe('the route table', () => {
  it('classifies every route, and each route declares the auth hook of its class', () => {
    const routes = priv.app.vigilRoutes;
    expect(routes.length).toBeGreaterThanOrEqual(Object.keys(TABLE).length);
    const unclassified = routes.map(keyOf).filter((key) => TABLE[key] === undefined);
    expect(unclassified, 'routes with no access class: add them to TABLE').toEqual([]);
    for (const route of routes) expect(declared(route), keyOf(route)).toBe(TABLE[keyOf(route)]);
    // Every route of the table still exists.
    expect(new Set(routes.map(keyOf))).toEqual(new Set(Object.keys(TABLE)));
  });

  it('gives every route that changes state an auth hook (admin, runner session, region key, cluster secret)', () => {
    for (const route of priv.app.vigilRoutes) {
      if (route.method === 'GET' || route.method === 'HEAD') continue;
      expect(['admin', 'runner', 'region', 'internal'], keyOf(route)).toContain(declared(route));
    }
  });

  it('refuses the internal routes on a lone collector, whatever the token', async () => {
    for (const route of priv.app.vigilRoutes.filter((r) => r.url.startsWith('/internal/'))) {
      for (const auth of [undefined, 'Bearer x', `Bearer ${REGION_KEY}`]) {
        const answer = await call(priv, route, auth);
        expect([route.url, answer.statusCode, answer.json().code]).toEqual([
          route.url,
          401,
          'VIGIL_ERR_UNAUTHORIZED',
        ]);
      }
    }
  });
});

async function call(b: Built, route: RouteOptions, authorization?: string) {
  return b.app.inject({
    method: route.method as 'GET',
    url: urlOf(route),
    headers: authorization === undefined ? {} : { authorization },
    // A register body that passes its schema, so the region key is what decides.
    ...(route.method === 'POST'
      ? {
          payload: route.url.endsWith('/register')
            ? { region: 'eu', name: 'r', version: '1', concurrency: 1 }
            : {},
        }
      : {}),
  });
}

describe('a private status', () => {
  it('answers 401 to every route but /healthz and /readyz without a token', async () => {
    for (const route of priv.app.vigilRoutes) {
      const response = await call(priv, route);
      const key = `${route.method} ${route.url}`;
      if (TABLE[keyOf(route)] === 'public') expect(response.statusCode, key).toBe(200);
      else {
        expect(response.statusCode, key).toBe(401);
        // Nothing of the monitors shows in a refusal.
        expect(response.body, key).not.toContain('secret-path');
      }
    }
  });

  it('opens every read route to the read token and to the admin token, and no other route to the read token', async () => {
    for (const route of priv.app.vigilRoutes) {
      const key = `${route.method} ${route.url}`;
      const asReader = await call(priv, route, `Bearer ${READ_TOKEN}`);
      const asAdmin = await call(priv, route, `Bearer ${TOKEN}`);
      const basic = `Basic ${Buffer.from(`anyone:${READ_TOKEN}`).toString('base64')}`;
      if (TABLE[keyOf(route)] === 'read') {
        expect(asReader.statusCode, key).not.toBe(401);
        expect(asAdmin.statusCode, key).not.toBe(401);
        expect((await call(priv, route, basic)).statusCode, key).not.toBe(401);
        expect((await call(priv, route, `Bearer ${READ_TOKEN}x`)).statusCode, key).toBe(401);
      } else if (TABLE[keyOf(route)] !== 'public') {
        expect(asReader.statusCode, key).toBe(401);
      }
    }
  });

  it('lists no monitor, check, incident or runner to a caller without a token', async () => {
    for (const url of [
      '/v1/monitors',
      '/v1/monitors/api',
      '/v1/monitors/api/checks',
      '/v1/incidents',
      '/v1/runners',
    ]) {
      const response = await priv.get(url);
      expect(response.statusCode, url).toBe(401);
      expect(response.json().code).toBe('VIGIL_ERR_UNAUTHORIZED');
      expect(response.headers['www-authenticate']).toMatch(/^Basic /);
    }
  });
});

describe('a public status', () => {
  it('answers every read route without a token, and still guards the others', async () => {
    for (const route of pub.app.vigilRoutes) {
      const response = await call(pub, route);
      const key = `${route.method} ${route.url}`;
      const cls = TABLE[keyOf(route)];
      if (cls === 'read' || cls === 'public') expect(response.statusCode, key).not.toBe(401);
      else expect(response.statusCode, key).toBe(401);
    }
  });
});
