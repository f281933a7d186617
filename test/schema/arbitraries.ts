// fast-check generators of valid, normalized monitor specs: every field within its limits and
// every rule satisfied, so anything the loader refuses is a bug in the loader or in here.
import fc from 'fast-check';
import { valueKinds } from '../../schema/assertion-semantics.ts';
import { FORBIDDEN_HEADERS } from '../../schema/limits.ts';
import {
  ASSERTION_OPERATORS,
  ASSERTION_SOURCES,
  type Assertion,
  type AssertionValue,
  HTTP_METHODS,
  type MaintenanceWindow,
  type MonitorSpec,
} from '../../schema/types.ts';

const codePoints = (text: string) => [...text].length;

/** Unicode text (no lone surrogates) of at most `max` code points, without `${`. */
export const text = (min: number, max: number) =>
  fc
    .string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 12) })
    .filter((s) => codePoints(s) >= min && codePoints(s) <= max && !s.includes('${'));

const secretName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/);
const withSecret = (base: fc.Arbitrary<string>) =>
  fc
    .tuple(base, fc.option(secretName, { nil: undefined }))
    .map(([s, name]) => (name === undefined ? s : `${s}\${${name}}`));

export const id = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,15}$/);

const host = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,8}\.(com|org|example|io)$/),
  fc.constantFrom('127.0.0.1', '[::1]', '[2001:db8::1]', 'localhost'),
);
const url = fc
  .tuple(
    fc.constantFrom('http', 'https'),
    host,
    fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
    fc.stringMatching(/^(\/[a-z0-9._~-]{0,8}){0,3}$/),
    fc.option(secretName, { nil: undefined }),
  )
  .map(
    ([scheme, h, port, path, secret]) =>
      `${scheme}://${h}${port === undefined ? '' : `:${port}`}${path || '/'}${secret === undefined ? '' : `?key=\${${secret}}`}`,
  );

const forbidden = new Set([...FORBIDDEN_HEADERS.map((h) => h.toLowerCase()), 'content-type']);
const headerName = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/)
  .filter((n) => !forbidden.has(n.toLowerCase()));
const headerValue = withSecret(text(0, 30).filter((s) => !/[\r\n]/.test(s)));
const headers = fc
  .uniqueArray(fc.tuple(headerName, headerValue), { maxLength: 10, selector: ([name]) => name.toLowerCase() })
  .map((entries) => Object.fromEntries(entries));

const keyword = text(1, 40).filter((s) => s.trim() !== '');
const keywords = fc.uniqueArray(keyword, { maxLength: 10 });

const regex = text(0, 20).map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
const jsonPath = fc.constantFrom(
  '$.status',
  '$.checks[0].ok',
  '$["key with spaces"]',
  '$..version',
  '$.items[*].id',
  '$',
);
const finite = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
);

function scalarOf(kind: ReturnType<typeof valueKinds>[number]): fc.Arbitrary<AssertionValue> {
  switch (kind) {
    case 'status':
      return fc.integer({ min: 100, max: 599 });
    case 'number':
      return finite;
    case 'string':
      return text(0, 30);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
  }
}

const assertion: fc.Arbitrary<Assertion> = fc
  .tuple(fc.constantFrom(...ASSERTION_SOURCES), fc.constantFrom(...ASSERTION_OPERATORS))
  .filter(([source, operator]) => isAllowed(source, operator))
  .chain(([source, operator]) => {
    const kinds = valueKinds(source, operator);
    // `exists` takes no value (kinds is empty); every other operator has at least one kind.
    const scalar = kinds.length === 0 ? fc.constant(null) : fc.oneof(...kinds.map(scalarOf));
    const value: fc.Arbitrary<AssertionValue | undefined> =
      operator === 'exists'
        ? fc.constant(undefined)
        : operator === 'in'
          ? fc.array(scalar as fc.Arbitrary<string | number>, { minLength: 1, maxLength: 5 })
          : operator === 'matches'
            ? regex
            : scalar;
    return fc
      .record({
        name: source === 'header' ? headerName : fc.constant(undefined),
        path: source === 'json' ? jsonPath : fc.constant(undefined),
        value,
      })
      .map(({ name, path, value: v }) => ({
        source,
        ...(name !== undefined ? { name } : {}),
        ...(path !== undefined ? { path } : {}),
        operator,
        ...(v !== undefined ? { value: v } : {}),
      }));
  });

function isAllowed(source: string, operator: string): boolean {
  const numeric = ['status', 'response_time', 'number', 'tls_days_left'];
  if (numeric.includes(source)) return ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in'].includes(operator);
  if (source === 'body') return ['eq', 'ne', 'contains', 'not_contains', 'matches'].includes(operator);
  return true;
}

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) });
const maintenance: fc.Arbitrary<MaintenanceWindow> = fc.oneof(
  fc.tuple(instant, fc.integer({ min: 1, max: 30 * 24 * H })).map(([start, length]) => ({
    start: new Date(start).toISOString(),
    end: new Date(start + length).toISOString(),
  })),
  fc.record({
    cron: fc.constantFrom('0 3 * * 0', '*/15 * * * *', '30 2 1 * *', '0 0 * * 1-5', '5 4 * jan,jul *'),
    duration: fc.integer({ min: M, max: 168 * H }),
    timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'),
  }),
);

const login = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,10}$/);
const mention = fc.oneof(
  login,
  fc.tuple(login, fc.stringMatching(/^[a-z0-9_.-]{1,10}$/)).map(([o, t]) => `${o}/${t}`),
);
const region = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/);
const sink = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}$/);

/**
 * One valid normalized spec. renamed_from is drawn from ids prefixed `old-`; an id may itself
 * start with `old-` (rarely), so one equal to the spec's own id is filtered out (renamed_from_self).
 */
export const monitorSpec: fc.Arbitrary<MonitorSpec> = fc
  .record({
    id,
    name: text(1, 60),
    url,
    method: fc.constantFrom(...HTTP_METHODS),
    headers,
    body: fc.option(withSecret(text(0, 60)), { nil: null }),
    keywords,
    forbidden_keywords: keywords,
    assertions: fc.array(assertion, { maxLength: 5 }),
    interval: fc.integer({ min: 30 * S, max: 24 * H }),
    timeout: fc.integer({ min: S, max: 60 * S }),
    follow_redirects: fc.integer({ min: 0, max: 10 }),
    tls: fc.record({ verify: fc.boolean(), expiry_warning_days: fc.integer({ min: 0, max: 365 }) }),
    http: fc.record({ version: fc.constantFrom('auto' as const, '1.1' as const, '2' as const) }),
    ip: fc.constantFrom('auto' as const, 4 as const, 6 as const),
    regions: fc.option(fc.uniqueArray(region, { minLength: 1, maxLength: 5 }), { nil: null }),
    confirm: fc.record({ regions: fc.integer({ min: 0, max: 10 }) }),
    recover: fc.record({ checks: fc.integer({ min: 1, max: 10 }) }),
    flapping: fc.oneof(
      fc.constant(false as const),
      fc
        .tuple(
          fc.integer({ min: 5, max: 100 }),
          fc.integer({ min: 0, max: 99 }),
          fc.integer({ min: 1, max: 100 }),
        )
        .filter(([, low, high]) => low < high)
        .map(([window, low, high]) => ({ window, low, high })),
    ),
    alert: fc.record({
      after: fc.integer({ min: 0, max: H }),
      remind_every: fc.oneof(fc.constant(0), fc.integer({ min: 5 * M, max: 168 * H })),
      recovery_after: fc.integer({ min: 0, max: H }),
      assignees: fc.uniqueArray(login, { maxLength: 10 }),
      labels: fc.uniqueArray(text(1, 50), { maxLength: 20 }),
      mentions: fc.uniqueArray(mention, { maxLength: 10 }),
      sinks: fc.option(fc.uniqueArray(sink, { maxLength: 10 }), { nil: null }),
    }),
    paused: fc.boolean(),
    maintenance: fc.array(maintenance, { maxLength: 3 }),
    renamed_from: fc.option(
      id.map((old) => `old-${old}`.slice(0, 63)),
      { nil: null },
    ),
  })
  .map((spec) => ({
    ...spec,
    // Rules across fields: a body only with POST/PUT/PATCH; timeout shorter than interval.
    body: ['POST', 'PUT', 'PATCH'].includes(spec.method) ? spec.body : null,
    timeout: Math.min(spec.timeout, spec.interval - 1),
  }))
  .filter((spec) => spec.renamed_from !== spec.id);

/** Several specs with distinct ids and distinct `renamed_from`. */
export const monitorSpecs = fc
  .uniqueArray(monitorSpec, { minLength: 1, maxLength: 4, selector: (s) => s.id })
  .filter((specs) => {
    const renamed = specs.flatMap((s) => (s.renamed_from === null ? [] : [s.renamed_from]));
    const ids = new Set(specs.map((s) => s.id));
    return new Set(renamed).size === renamed.length && renamed.every((old) => !ids.has(old));
  });
