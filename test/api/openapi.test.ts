// GET /openapi.json: the collector's OpenAPI 3.1 description, generated from the routes' own
// schemas. Every route of the table has an operation with a summary and a declared tag; its
// security follows its access class (collector/http/auth.ts withAccess), public routes have none;
// and the document passes the real `redocly lint` (recommended rules, redocly.yaml).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessOf } from '../../collector/http/auth.ts';
import { hoistTitledSchemas } from '../../collector/openapi/components.ts';
import { type Built, build } from '../collector/build.ts';

const ROOT = join(import.meta.dirname, '../..');
const run = promisify(execFile);

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  tags: { name: string; description: string }[];
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  paths: Record<string, Record<string, Operation>>;
}

const pathOf = (url: string) => url.replace(/:(\w+)/g, '{$1}');
// HEAD routes are Fastify's copies of GET routes; `hide: true` keeps a route out on purpose.
const routesOf = (b: Built) =>
  b.app.vigilRoutes.filter(
    (route) => route.method !== 'HEAD' && (route.schema as { hide?: boolean } | undefined)?.hide !== true,
  );

function accessClass(route: RouteOptions): string {
  const list = (hooks: unknown) => (hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]);
  const hooks = [...list(route.onRequest), ...list(route.preHandler), ...list(route.preValidation)];
  return hooks.map(accessOf).find((access) => access !== undefined) ?? 'public';
}

function operation(doc: Document, route: RouteOptions): Operation | undefined {
  return doc.paths[pathOf(route.url)]?.[String(route.method).toLowerCase()];
}

let pub: Built;
let priv: Built;
let doc: Document;
let privDoc: Document;
beforeAll(async () => {
  pub = await build({ config: { embeddedRunner: false } });
  priv = await build({
    config: { embeddedRunner: false, statusPublic: false, statusToken: 'read-0123456789' },
  });
  const response = await pub.get('/openapi.json');
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  doc = response.json();
  privDoc = (await priv.get('/openapi.json')).json();
});
afterAll(async () => {
  await pub?.destroy();
  await priv?.destroy();
});

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document with one bearer scheme per token', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBe('Vigil collector API');
    const schemes = doc.components.securitySchemes;
    expect(Object.keys(schemes).sort()).toEqual(
      ['adminToken', 'readBasic', 'readToken', 'regionKey', 'runnerSession'].sort(),
    );
    for (const name of ['adminToken', 'readToken', 'regionKey', 'runnerSession']) {
      expect(schemes[name], name).toMatchObject({ type: 'http', scheme: 'bearer' });
    }
    expect(schemes.readBasic).toMatchObject({ type: 'http', scheme: 'basic' });
  });

  it('has an operation, with a summary and a declared tag, for every route the collector registers', () => {
    const declared = new Set(doc.tags.map((tag) => tag.name));
    const routes = routesOf(pub);
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const problems = routes.flatMap((route) => {
      const key = `${route.method} ${route.url}`;
      const op = operation(doc, route);
      if (op === undefined) return [`${key}: no operation`];
      return [
        ...(/\S/.test(op.summary ?? '') ? [] : [`${key}: no summary`]),
        ...((op.tags ?? []).length > 0 ? [] : [`${key}: no tag`]),
        ...(op.tags ?? [])
          .filter((tag) => !declared.has(tag))
          .map((tag) => `${key}: tag ${tag} is not declared`),
        // The convention of collector/openapi/document.ts: every answer with a body names its
        // media type, JSON by its schema, other types by `content` in the route's response.
        ...(Object.keys(op.responses).some((status) => /^2/.test(status))
          ? []
          : [`${key}: no 2xx answer (declare response 200 with its schema or content type)`]),
        ...Object.entries(op.responses)
          .filter(([status, answer]) => /^2/.test(status) && status !== '204' && answer.content === undefined)
          .map(([status]) => `${key}: answer ${status} has no media type`),
      ];
    });
    expect(problems).toEqual([]);
    // ...and nothing else: every operation is a route.
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(routes.map((r) => `${r.method} ${pathOf(r.url)}`).sort());
    const ids = operations.map((key) => {
      const [method, path] = key.split(' ') as [string, string];
      return doc.paths[path]![method.toLowerCase()]!.operationId;
    });
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("derives each operation's security from the route's access class", () => {
    const expected: Record<string, (d: Document) => unknown> = {
      public: () => [],
      admin: () => [{ adminToken: [] }],
      runner: () => [{ runnerSession: [] }],
      region: () => [{ regionKey: [] }],
      read: (d) =>
        d === doc ? [{}, { readToken: [] }, { readBasic: [] }] : [{ readToken: [] }, { readBasic: [] }],
    };
    for (const [b, d] of [
      [pub, doc],
      [priv, privDoc],
    ] as const) {
      for (const route of routesOf(b)) {
        const access = accessClass(route);
        expect(operation(d, route)?.security, `${route.method} ${route.url} (${access})`).toEqual(
          expected[access]!(d),
        );
      }
    }
    // The route table's classes, as test/api/route-access.test.ts holds them.
    const sync = doc.paths['/v1/sync']!.post!;
    expect(sync.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
  });

  it('names the shared shapes once, under components.schemas', () => {
    const schemas = (doc.components as unknown as { schemas: Record<string, unknown> }).schemas;
    for (const name of ['ApiError', 'SyncRequest', 'SyncPlan', 'Monitor', 'Check', 'Incident', 'Runner']) {
      expect(schemas[name], name).toBeDefined();
    }
    const text = JSON.stringify(doc.paths);
    expect(text).toContain('"$ref":"#/components/schemas/ApiError"');
    // Each shape is written once: no copy of the error body is left inline.
    expect(text).not.toContain('"required":["code","message","statusCode"]');
  });

  it('refuses two different shapes under one name (the hoisting itself)', () => {
    const error = { title: 'ApiError', type: 'object', properties: { code: { type: 'string' } } };
    const paths = (second: object): Record<string, unknown> => ({
      paths: {
        '/a': { get: { schema: { ...error, description: 'here' } } },
        '/b': { get: { schema: second } },
      },
    });
    const same = hoistTitledSchemas(paths(error));
    expect(same.paths).toEqual({
      '/a': { get: { schema: { $ref: '#/components/schemas/ApiError', description: 'here' } } },
      '/b': { get: { schema: { $ref: '#/components/schemas/ApiError' } } },
    });
    expect(same.components).toEqual({ schemas: { ApiError: error } });
    expect(() => hoistTitledSchemas(paths({ ...error, required: ['code'] }))).toThrow(/titled ApiError/);
  });

  it('documents the answers that are not JSON with their content type', () => {
    const types = (path: string, status = '200') =>
      Object.keys(doc.paths[path]!.get!.responses[status]?.content ?? {});
    expect(types('/metrics')).toEqual(['text/plain; version=0.0.4']);
    expect(types('/badge/{file}').sort()).toEqual(['application/json', 'image/svg+xml']);
    expect(types('/badge/{file}', '404').sort()).toEqual(['application/json', 'image/svg+xml']);
    expect(types('/v1/monitors')).toEqual(['application/json']);
  });

  it('passes redocly lint (recommended rules)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-openapi-'));
    try {
      for (const [name, document] of [
        ['public', doc],
        ['private', privDoc],
      ] as const) {
        const file = join(dir, `openapi-${name}.json`);
        await writeFile(file, JSON.stringify(document, null, 2));
        const result = await run(
          process.execPath,
          [
            join(ROOT, 'node_modules/@redocly/cli/bin/cli.js'),
            'lint',
            '--config',
            join(ROOT, 'redocly.yaml'),
            '--format',
            'json',
            file,
          ],
          {
            cwd: dir,
            // No telemetry, no update check: the lint must not leave the machine.
            env: {
              ...process.env,
              REDOCLY_TELEMETRY: 'off',
              REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
              REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
              CI: 'true',
            },
            maxBuffer: 16 * 1024 * 1024,
          },
        ).catch((error: { code: number; stdout: string; stderr: string }) => error);
        const report = JSON.parse(result.stdout) as {
          totals: Record<string, number>;
          problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
        };
        const problems = report.problems.map(
          (p) => `${p.ruleId} ${p.location.map((l) => l.pointer).join(' ')}: ${p.message}`,
        );
        expect(problems, `${name}: ${result.stderr}`).toEqual([]);
        expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
        expect((result as { code?: number }).code ?? 0, name).toBe(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
