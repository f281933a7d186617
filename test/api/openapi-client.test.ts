// The typed client (client/collector-client.ts) against the description the collector serves: the
// client's real methods call a real collector on loopback through a recording proxy, and every
// request body and answer it exchanged is validated (Ajv, JSON Schema 2020-12) against the schemas
// of the matching operation in GET /openapi.json. A client call the description does not know, or
// a body it does not describe, fails here, so the two cannot drift apart.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from '../../client/collector-client.ts';
import { type CollectorError, getMonitor, listMonitors, syncPlan } from '../../client/collector-client.ts';
import { type Built, build, TOKEN } from '../collector/build.ts';

interface Exchange {
  method: string;
  path: string;
  requestType: string | undefined;
  requestBody: string;
  status: number;
  responseType: string | undefined;
  responseBody: string;
}

type Schema = Record<string, unknown>;
interface Operation {
  operationId: string;
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: Schema;
}

/** A loopback HTTP proxy to `target` that records each request and answer, bodies as text. */
async function recordingProxy(
  target: string,
): Promise<{ url: string; exchanges: Exchange[]; server: Server }> {
  const exchanges: Exchange[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const requestBody = Buffer.concat(chunks);
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const responseBody = Buffer.concat(parts);
            exchanges.push({
              method: req.method ?? 'GET',
              path: new URL(req.url ?? '/', 'http://x').pathname,
              requestType: req.headers['content-type'],
              requestBody: requestBody.toString('utf8'),
              status: answer.statusCode ?? 0,
              responseType: answer.headers['content-type'],
              responseBody: responseBody.toString('utf8'),
            });
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(responseBody);
          });
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(requestBody);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exchanges, server };
}

const mediaType = (header: string | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase();

/** The operation of `method path` in the document, by its path templates. */
function find(doc: Document, method: string, path: string): { key: string; op: Operation } | undefined {
  for (const [template, methods] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const op = methods[method.toLowerCase()];
    if (op !== undefined && pattern.test(path)) return { key: `${method} ${template}`, op };
  }
  return undefined;
}

let b: Built;
let doc: Document;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
const ajv = new Ajv2020({ strict: false, allErrors: true });

/** Problems of one exchange against the document: none when both bodies are as described. */
function check(exchange: Exchange): string[] {
  const where = `${exchange.method} ${exchange.path} -> ${exchange.status}`;
  const found = find(doc, exchange.method, exchange.path);
  if (found === undefined) return [`${where}: no operation in the description`];
  const problems: string[] = [];
  // Refs in a schema point into the document: compile each one with the document's components.
  const validate = (schema: Schema, body: string, what: string) => {
    const run = ajv.compile({ ...schema, components: doc.components });
    if (!run(JSON.parse(body))) problems.push(`${where} ${what}: ${ajv.errorsText(run.errors)}`);
  };
  if (exchange.requestBody !== '') {
    const media = found.op.requestBody?.content[mediaType(exchange.requestType)];
    if (media === undefined) problems.push(`${where}: request body ${exchange.requestType} not described`);
    else validate(media.schema, exchange.requestBody, 'request body');
  }
  const answer =
    found.op.responses[String(exchange.status)] ?? found.op.responses[`${String(exchange.status)[0]}XX`];
  const media = answer?.content?.[mediaType(exchange.responseType)];
  if (media === undefined) problems.push(`${where}: answer ${exchange.responseType} not described`);
  else validate(media.schema, exchange.responseBody, 'answer');
  return problems;
}

beforeAll(async () => {
  b = await build({ config: { embeddedRunner: false } });
  doc = (await b.get('/openapi.json')).json();
  await b.app.listen({ host: '127.0.0.1', port: 0 });
  proxy = await recordingProxy(`http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  await new Promise((done) => proxy?.server.close(done));
  await b?.destroy();
});

const monitors = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a secret reference of the monitor language
  { id: 'api', name: 'API', url: 'http://127.0.0.1:9/health?key=${API_KEY}' },
  { id: 'web', name: 'Web', url: 'http://127.0.0.1:9/', interval: '1m' },
];

describe('the typed client against GET /openapi.json', () => {
  it('sends and receives only what the description says, on every client call', async () => {
    const options = { url: proxy.url, token: TOKEN };
    const secrets = { API_KEY: 'k-0123456789' };
    const planned = await syncPlan(options, { revision: 'abc123', monitors, secrets, dryRun: true });
    const applied = await syncPlan(options, {
      revision: 'abc123',
      monitors,
      secrets,
      expectedPlanId: planned.planId,
    });
    expect(applied.applied).toBe(true);
    expect((await listMonitors(options)).map((m) => m.id).sort()).toEqual(['api', 'web']);
    expect((await getMonitor(options, 'api')).name).toBe('API');
    // Refusals: not found, a stale plan, invalid monitors (with diagnostics), no token.
    const refused = async (call: Promise<unknown>) =>
      ((await call.catch((e: unknown) => e)) as CollectorError).code;
    expect(await refused(getMonitor(options, 'nope'))).toBe('VIGIL_ERR_NOT_FOUND');
    expect(
      await refused(
        syncPlan(options, { revision: null, monitors: [], secrets, expectedPlanId: planned.planId }),
      ),
    ).toBe('VIGIL_ERR_STALE_PLAN');
    const invalid = await syncPlan(options, {
      revision: null,
      monitors: [{ id: 'x', url: 'nope' }],
      dryRun: true,
    })
      .then(() => undefined)
      .catch((e: CollectorError) => e);
    expect(invalid?.code).toBe('VIGIL_ERR_INVALID_MONITORS');
    expect(invalid?.diagnostics.length).toBeGreaterThan(0);
    expect(await refused(syncPlan({ url: proxy.url }, { revision: null, monitors: [], dryRun: true }))).toBe(
      'VIGIL_ERR_UNAUTHORIZED',
    );

    expect(proxy.exchanges.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'POST /v1/sync 200',
      'POST /v1/sync 200',
      'GET /v1/monitors 200',
      'GET /v1/monitors/api 200',
      'GET /v1/monitors/nope 404',
      'POST /v1/sync 409',
      'POST /v1/sync 400',
      'POST /v1/sync 401',
    ]);
    expect(proxy.exchanges.flatMap(check)).toEqual([]);
    // Every function the client exports was called above: a new one must be added here.
    const called = new Set(['syncPlan', 'listMonitors', 'getMonitor']);
    const exported = Object.entries(client)
      .filter(([name, value]) => typeof value === 'function' && name !== 'CollectorError')
      .map(([name]) => name);
    expect(exported.sort()).toEqual([...called].sort());
  });

  it('would see a body the description does not hold (the check itself)', () => {
    const plan = proxy.exchanges.find((e) => e.method === 'POST' && e.status === 200)!;
    const { planId: _dropped, ...withoutId } = JSON.parse(plan.responseBody) as Record<string, unknown>;
    expect(check({ ...plan, responseBody: JSON.stringify(withoutId) })).toEqual([
      "POST /v1/sync -> 200 answer: data must have required property 'planId'",
    ]);
    expect(
      check({ ...plan, requestBody: JSON.stringify({ revision: null, monitors: [], dryrun: true }) }),
    ).toEqual(['POST /v1/sync -> 200 request body: data must NOT have additional properties']);
    expect(check({ ...plan, method: 'PUT' })).toEqual([
      'PUT /v1/sync -> 200: no operation in the description',
    ]);
  });
});
