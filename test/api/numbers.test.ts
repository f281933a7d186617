// Numbers in requests: a value that is not finite ('1e309', 'Infinity', NaN) or out of range is a
// 400 VIGIL_ERR_BAD_REQUEST naming the parameter, on every route, never a 500 from the store.
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finiteOnly, nonFinitePath } from '../../collector/http/validation.ts';
import { type Built, build, TOKEN } from '../collector/build.ts';

const auth = { authorization: `Bearer ${TOKEN}` };
let b: Built;

beforeAll(async () => {
  b = await build({
    config: { embeddedRunner: false, regionKeys: { any: 'region-key-0123456789', byRegion: {} } },
  });
  const synced = await b.sync({ monitors: [{ id: 'api', name: 'API', url: 'http://127.0.0.1:9/' }] });
  expect(synced.statusCode).toBe(200);
});
afterAll(async () => b.destroy());

describe('query numbers', () => {
  const values = ['1e309', 'Infinity', '-1e309', '-Infinity', 'NaN', '1e20', '-1', '0', '1.5', ''];
  for (const url of ['/v1/incidents', '/v1/monitors/api/checks', '/']) {
    const name = url === '/' ? 'page' : 'limit';
    for (const value of values) {
      it(`${url}?${name}=${value} is a 400 naming querystring/${name}`, async () => {
        const response = await b.app.inject({ method: 'GET', url: `${url}?${name}=${value}`, headers: auth });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({
          code: 'VIGIL_ERR_BAD_REQUEST',
          parameter: `querystring/${name}`,
        });
      });
    }
  }

  it('a finite number in range still works, also written with an exponent', async () => {
    const response = await b.app.inject({ method: 'GET', url: '/v1/incidents?limit=1e2', headers: auth });
    expect(response.statusCode).toBe(200);
  });
});

describe('body numbers', () => {
  it('1e309 in a JSON body (parsed as Infinity) is a 400 naming body/<field>', async () => {
    const registered = await b.app.inject({
      method: 'POST',
      url: '/v1/runners/register',
      headers: { authorization: 'Bearer region-key-0123456789' },
      payload: { region: 'eu', name: 'r1', version: '1', concurrency: 1 },
    });
    expect(registered.statusCode).toBe(200);
    const session = {
      authorization: `Bearer ${registered.json().token}`,
      'content-type': 'application/json',
    };
    for (const payload of [
      '{"max":1e309,"wait":0,"inFlight":0}',
      '{"max":-1e309,"wait":0,"inFlight":0}',
      '{"max":1,"wait":0,"inFlight":1e400}',
    ]) {
      const response = await b.app.inject({
        method: 'POST',
        url: '/v1/runners/claim',
        headers: session,
        payload,
      });
      expect(response.statusCode, payload).toBe(400);
      expect(response.json().code).toBe('VIGIL_ERR_BAD_REQUEST');
      expect(response.json().parameter).toMatch(/^body\/(max|inFlight)$/);
    }
    const sync = await b.app.inject({
      method: 'POST',
      url: '/v1/sync',
      headers: { ...auth, 'content-type': 'application/json' },
      payload:
        '{"revision":null,"monitors":[{"id":"x","name":"X","url":"http://127.0.0.1:9/","retries":1e309}]}',
    });
    expect(sync.statusCode).toBe(400);
    expect(sync.json()).toMatchObject({
      code: 'VIGIL_ERR_BAD_REQUEST',
      parameter: 'body/monitors/0/retries',
    });
  });
});

describe('the guard', () => {
  it('finds the first number that is not finite, as a JSON pointer, at any depth', () => {
    expect(nonFinitePath({ a: 1, b: [2, { 'c/d': Number.POSITIVE_INFINITY }] })).toBe('/b/1/c~1d');
    expect(nonFinitePath(Number.NaN)).toBe('');
    expect(nonFinitePath({ a: [1, 'Infinity', null, { b: -0 }] })).toBeNull();
    let deep: unknown = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(nonFinitePath(deep)).toBe('/0'.repeat(100_000));
  });

  it('keeps the validator’s own errors and adds its own', () => {
    const validate = Object.assign((data: unknown) => typeof data === 'object', { errors: null }) as never;
    const guarded = finiteOnly(validate);
    expect(guarded({ n: 1 })).toBe(true);
    expect(guarded({ n: Number.NaN })).toBe(false);
    expect(guarded.errors?.[0]).toMatchObject({ instancePath: '/n', keyword: 'finite' });
  });
});

/** Every numeric schema (a `type` of integer or number) under `schema`, with its path. */
function numericFields(schema: unknown, path: string): { path: string; schema: Record<string, unknown> }[] {
  if (schema === null || typeof schema !== 'object') return [];
  const node = schema as Record<string, unknown>;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  const found = types.some((t) => t === 'integer' || t === 'number') ? [{ path, schema: node }] : [];
  for (const [key, child] of Object.entries(node)) {
    if (key === 'enum' || key === 'const' || key === 'default') continue;
    found.push(...numericFields(child, `${path}/${key}`));
  }
  return found;
}

describe('every route', () => {
  it('bounds every number it takes (body, query, params, headers) with a minimum and a maximum', () => {
    const routes: readonly RouteOptions[] = b.app.vigilRoutes;
    expect(routes.length).toBeGreaterThan(15);
    const unbounded: string[] = [];
    let numbers = 0;
    for (const route of routes) {
      for (const part of ['body', 'querystring', 'params', 'headers'] as const) {
        for (const field of numericFields(route.schema?.[part], `${route.method} ${route.url} ${part}`)) {
          numbers += 1;
          const low = field.schema.minimum ?? field.schema.exclusiveMinimum;
          const high = field.schema.maximum ?? field.schema.exclusiveMaximum;
          if (typeof low !== 'number' || typeof high !== 'number') unbounded.push(field.path);
        }
      }
    }
    expect(unbounded).toEqual([]);
    // The walk sees the numbers there are (claim, heartbeat, register, limits, page...).
    expect(numbers).toBeGreaterThan(8);
  });
});
