// GitHub's own OpenAPI description (the `@octokit/openapi` dev dependency, api.github.com) as a
// judge of the local GitHub server's traffic: every request Vigil sends must be one the real API
// documents (method and path, path and query parameters, JSON body), and every answer the local
// server gives must have the shape GitHub documents for that status. Without this the stand-in
// could drift from the real API and the tests would keep passing against a GitHub that does not
// exist.
//
// The description is 13 MB: it is read once per process on first use, and only the schemas of
// the operations actually met are compiled (cached per operation, part and status). Its schemas
// are OpenAPI 3.0: `nullable` becomes a `null` type (or an `anyOf` with null), `$ref`s to
// components become references to schemas registered once each, and Ajv runs with strict: false
// (the description carries `example`, `discriminator`, `x-*` keywords) and ajv-formats.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => void;

/** What part of an exchange broke the description. */
export type ViolationPart = 'operation' | 'path' | 'query' | 'body' | 'response';

export interface OpenApiViolation {
  /** The request's method and actual path, e.g. `PATCH /repos/acme/ops/issues/1`. */
  request: string;
  /** The documented operation, e.g. `PATCH /repos/{owner}/{repo}/issues/{issue_number}`; null when none. */
  operation: string | null;
  part: ViolationPart;
  /** Status of the answer checked (response violations). */
  status?: number;
  /** One line per schema error: where (`body/labels`) and what (`must be array`), with the schema path. */
  errors: string[];
}

/** One request and the answer the local server gave, as logged. */
export interface Exchange {
  method: string;
  /** Pathname without query. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** Absent: the answer is not checked (dropped connections, answers a test injected). */
  response?: { status: number; body: unknown };
}

export interface DescriptionStats {
  /** Reading and parsing the description, ms (0 until first use). */
  loadMs: number;
  /** Converting and compiling the schemas met so far, ms. */
  compileMs: number;
  /** Operations met so far, as `METHOD /template`. */
  operations: string[];
}

type Json = Record<string, unknown>;

interface Operation {
  key: string;
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  literals: number;
  spec: Json;
}

interface Description {
  doc: Json;
  operations: Operation[];
}

const COMPONENT_BASE = 'https://vigil.test/github/components/';
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];
/** At most this many schema errors per violation: a oneOf miss yields a pile of them. */
const MAX_ERRORS = 12;

let description: Description | undefined;
const stats: DescriptionStats = { loadMs: 0, compileMs: 0, operations: [] };
const seen = new Set<string>();
const validators = new Map<string, ValidateFunction | null>();
const registered = new Set<string>();
let strictAjv: Ajv | undefined;
let coercingAjv: Ajv | undefined;

export function descriptionPath(): string {
  return createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
}

function load(): Description {
  if (description !== undefined) return description;
  const started = performance.now();
  const doc = JSON.parse(readFileSync(descriptionPath(), 'utf8')) as Json;
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths as Record<string, Json>)) {
    const names: string[] = [];
    const source = template
      .split('/')
      .map((segment) =>
        segment.replace(/\{([^}]+)\}|[^{]+/g, (whole, name: string | undefined) => {
          if (name === undefined) return whole.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
          names.push(name);
          return '([^/]+)';
        }),
      )
      .join('/');
    const literals = template.split('/').filter((s) => s.length > 0 && !s.includes('{')).length;
    for (const method of METHODS) {
      const spec = item[method] as Json | undefined;
      if (spec === undefined) continue;
      const upper = method.toUpperCase();
      operations.push({
        key: `${upper} ${template}`,
        method: upper,
        template,
        pattern: new RegExp(`^${source}$`),
        names,
        literals,
        spec: {
          ...spec,
          parameters: [...((item.parameters as Json[]) ?? []), ...((spec.parameters as Json[]) ?? [])],
        },
      });
    }
  }
  // A literal segment beats a parameter: `/issues/comments` is not issue number "comments".
  operations.sort((a, b) => b.literals - a.literals);
  description = { doc, operations };
  stats.loadMs = performance.now() - started;
  return description;
}

/** Statistics of the description's use in this process: load and compile times, operations met. */
export function descriptionStats(): DescriptionStats {
  return { ...stats, operations: [...stats.operations].sort() };
}

/** The documented operation for a method and path, e.g. `GET /repos/{owner}/{repo}/labels/{name}`. */
export function findOperation(method: string, path: string): string | null {
  return match(method, path)?.operation.key ?? null;
}

function match(
  method: string,
  path: string,
): { operation: Operation; params: Record<string, string> } | null {
  for (const operation of load().operations) {
    if (operation.method !== method.toUpperCase()) continue;
    const m = operation.pattern.exec(path);
    if (m === null) continue;
    const params: Record<string, string> = {};
    operation.names.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { operation, params };
  }
  return null;
}

/** Every way the exchange departs from GitHub's description; empty when it conforms. */
export function checkExchange(exchange: Exchange): OpenApiViolation[] {
  const request = `${exchange.method.toUpperCase()} ${exchange.path}`;
  const found = match(exchange.method, exchange.path);
  if (found === null) {
    return [{ request, operation: null, part: 'operation', errors: ['GitHub documents no such operation'] }];
  }
  const { operation, params } = found;
  if (!seen.has(operation.key)) {
    seen.add(operation.key);
    stats.operations.push(operation.key);
  }
  const violations: OpenApiViolation[] = [];
  const report = (part: ViolationPart, errors: string[], status?: number) => {
    if (errors.length > 0)
      violations.push({
        request,
        operation: operation.key,
        part,
        errors,
        ...(status === undefined ? {} : { status }),
      });
  };
  report('path', validate(operation, 'path', params));
  report('query', validate(operation, 'query', exchange.query));
  report('body', checkBody(operation, exchange.body));
  if (exchange.response !== undefined) {
    const { status, body } = exchange.response;
    report('response', checkResponse(operation, status, body), status);
  }
  return violations;
}

function checkBody(operation: Operation, body: unknown): string[] {
  const requestBody = resolve(operation.spec.requestBody) as Json | undefined;
  if (requestBody === undefined) return body === undefined ? [] : ['the operation takes no request body'];
  if (body === undefined) return requestBody.required === true ? ['a request body is required'] : [];
  return validate(operation, 'body', body);
}

function checkResponse(operation: Operation, status: number, body: unknown): string[] {
  const responses = operation.spec.responses as Json;
  const documented = resolve(responses[String(status)] ?? responses.default) as Json | undefined;
  if (documented === undefined) {
    // GitHub answers any operation with 401, 403, 404, 5xx... in its basic error shape.
    if (status >= 400)
      return validate(operation, `error ${status}`, body, { $ref: '#/components/schemas/basic-error' });
    return [`status ${status} is not documented for this operation`];
  }
  const schema = jsonSchemaOf(documented.content);
  if (schema === undefined) return body === undefined ? [] : [`status ${status} documents no body`];
  if (body === undefined) return [`status ${status} documents a body; none was sent`];
  return validate(operation, `response ${status}`, body, schema);
}

function jsonSchemaOf(content: unknown): Json | undefined {
  if (content === undefined || content === null) return undefined;
  const entries = Object.entries(content as Record<string, { schema?: Json }>);
  const json = entries.find(([type]) => /json/.test(type)) ?? entries[0];
  return json?.[1].schema;
}

/** A `$ref` into components (responses, parameters, request bodies) replaced by its target. */
function resolve(value: unknown): unknown {
  let current = value;
  for (let depth = 0; depth < 10; depth++) {
    const ref = (current as Json | undefined)?.$ref;
    if (typeof ref !== 'string') return current;
    current = pointer(ref);
  }
  return current;
}

function pointer(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`github-openapi: external reference ${ref}`);
  let node: unknown = load().doc;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/**
 * Validates data for one part of an operation with a validator compiled on first use. `path` and
 * `query` are built from the parameters (strings coerced to their types, unknown names refused);
 * `body` from the request body; responses from the schema passed.
 */
function validate(operation: Operation, part: string, data: unknown, schema?: Json): string[] {
  const cacheKey = `${operation.key} ${part}`;
  let fn = validators.get(cacheKey);
  if (fn === undefined) {
    const started = performance.now();
    fn = compile(operation, part, schema);
    validators.set(cacheKey, fn);
    stats.compileMs += performance.now() - started;
  }
  if (fn === null) return [];
  const copy = data === undefined ? undefined : structuredClone(data);
  if (fn(copy)) return [];
  const where = part === 'path' || part === 'query' || part === 'body' ? part : 'response';
  return (fn.errors ?? []).slice(0, MAX_ERRORS).map((e) => describeError(where, e));
}

function describeError(where: string, error: ErrorObject): string {
  const at = `${where}${error.instancePath}`;
  const detail =
    error.keyword === 'enum'
      ? ` (${JSON.stringify((error.params as { allowedValues: unknown[] }).allowedValues)})`
      : error.keyword === 'additionalProperties'
        ? ` (${(error.params as { additionalProperty: string }).additionalProperty})`
        : '';
  return `${at}: ${error.message ?? error.keyword}${detail} [${error.schemaPath}]`;
}

function compile(operation: Operation, part: string, schema?: Json): ValidateFunction | null {
  if (part === 'path' || part === 'query') {
    const parameters = (operation.spec.parameters as Json[])
      .map((p) => resolve(p) as Json)
      .filter((p) => p.in === part);
    const properties: Json = {};
    for (const p of parameters) properties[p.name as string] = convert(p.schema ?? {});
    const required = parameters.filter((p) => p.required === true).map((p) => p.name as string);
    return coercing().compile({ type: 'object', properties, required, additionalProperties: false });
  }
  if (part === 'body') {
    const requestBody = resolve(operation.spec.requestBody) as Json;
    const bodySchema = jsonSchemaOf(requestBody.content);
    return bodySchema === undefined ? null : strict().compile(convert(bodySchema));
  }
  if (schema === undefined) return null;
  return strict().compile(convert(schema));
}

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes, logger: false });
  addFormats(ajv);
  return ajv;
}

function strict(): Ajv {
  strictAjv ??= makeAjv(false);
  return strictAjv;
}

function coercing(): Ajv {
  coercingAjv ??= makeAjv(true);
  return coercingAjv;
}

function componentId(name: string): string {
  return `${COMPONENT_BASE}${encodeURIComponent(name)}`;
}

/** Registers a component schema (converted) with both Ajv instances, once. */
function register(name: string): void {
  if (registered.has(name)) return;
  registered.add(name);
  const schemas = (load().doc.components as Json).schemas as Json;
  const source = schemas[name];
  if (source === undefined) throw new Error(`github-openapi: no component schema ${name}`);
  const converted = { ...convert(source), $id: componentId(name) };
  strict().addSchema(converted);
  coercing().addSchema(structuredClone(converted));
}

/** An OpenAPI 3.0 schema as JSON Schema (draft-07, which Ajv's default speaks). */
export function convert(schema: unknown): Json {
  if (typeof schema !== 'object' || schema === null) return schema as Json;
  const input = schema as Json;
  if (typeof input.$ref === 'string') {
    const m = /^#\/components\/schemas\/(.+)$/.exec(input.$ref);
    if (m === null) return convert(resolve(input));
    const name = m[1]!.replace(/~1/g, '/').replace(/~0/g, '~');
    register(name);
    return { $ref: componentId(name) };
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === 'nullable' || key === 'example' || key === 'examples' || key === 'discriminator') continue;
    if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, convert(v)]));
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = (value as unknown[]).map(convert);
    } else if (
      key === 'items' ||
      key === 'not' ||
      (key === 'additionalProperties' && typeof value === 'object')
    ) {
      out[key] = convert(value);
    } else {
      out[key] = value;
    }
  }
  if (input.nullable !== true) return out;
  const combined = ['allOf', 'anyOf', 'oneOf', 'not'].some((k) => k in out);
  if (typeof out.type === 'string' && !combined) {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}
