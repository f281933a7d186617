// The request a monitor sends: headers Vigil refuses, the same header twice, more than 10
// headers once `defaults:` are merged in, a body with a method that sends none, a JSON body
// that does not parse, and malformed `${NAME}` references in header values and the body.
import { BODY_METHODS, FORBIDDEN_HEADERS } from '../limits.ts';
import { isRecord } from '../merge.ts';
import { BUILTIN_DEFAULTS } from '../normalize.ts';
import { malformedSecretRefs, SECRET_REF } from '../secrets.ts';
import type { MonitorRule } from './context.ts';
import { malformedRef } from './url.ts';

const MAX_HEADERS = 10;

const FORBIDDEN_WHY: Record<string, string> = {
  'accept-encoding': 'Vigil always accepts brotli, gzip and deflate',
  'cache-control': 'Vigil sends `Cache-Control: no-cache` so every check reaches the origin',
  pragma: 'Vigil sends `Pragma: no-cache` so every check reaches the origin',
  'content-length': 'Vigil computes it from `body`',
  host: 'the host comes from `url`',
  'user-agent': 'Vigil sends `User-Agent: Vigil/<version>` so sites can recognise the monitor',
  referer: 'a monitor has no referring page',
};

/** Each header on its own: refused names, the same name twice, malformed references. */
export const checkHeaderNames: MonitorRule = (monitor, report) => {
  const headers = monitor.headers;
  if (!isRecord(headers)) return;
  const forbidden = new Set(FORBIDDEN_HEADERS.map((name) => name.toLowerCase()));
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (forbidden.has(lower)) {
      report({
        code: 'forbidden_header',
        path: ['headers', name],
        part: 'key',
        message: `header \`${name}\` cannot be set`,
        hint: `remove it: ${FORBIDDEN_WHY[lower] ?? 'connection-level headers are managed by the HTTP client'}`,
      });
    }
    const first = seen.get(lower);
    if (first !== undefined) {
      report({
        code: 'duplicate_header',
        path: ['headers', name],
        part: 'key',
        message: `header \`${name}\` is the same header as \`${first}\` (names are case-insensitive)`,
        hint: 'keep one of them',
      });
    } else {
      seen.set(lower, name);
    }
    if (typeof value === 'string') {
      const bad = malformedSecretRefs(value);
      if (bad.length > 0) report(malformedRef(['headers', name], bad[0] as string));
    }
  }
};

/** At most 10 headers once `defaults:` are merged in (the schema checks each mapping alone). */
export const checkHeaderCount: MonitorRule = (monitor, report) => {
  const headers = monitor.headers;
  if (!isRecord(headers)) return;
  const count = Object.keys(headers).length;
  if (count > MAX_HEADERS) {
    report({
      code: 'too_many_items',
      path: ['headers'],
      part: 'key',
      // Worded like the schema's own maxProperties finding, so that one is not reported twice
      // when a monitor alone has too many (diagnostics are de-duplicated by place and message).
      message: `\`headers\` has ${count} entries; at most ${MAX_HEADERS} are allowed`,
      hint: `remove ${count - MAX_HEADERS} of them (here, or from the headers in \`defaults:\`)`,
    });
  }
};

export const checkBody: MonitorRule = (monitor, report) => {
  const body = monitor.body;
  if (typeof body !== 'string') return;
  const method = typeof monitor.method === 'string' ? monitor.method : BUILTIN_DEFAULTS.method;
  if (!BODY_METHODS.includes(method)) {
    report({
      code: 'body_not_allowed',
      path: ['body'],
      part: 'key',
      message: `\`body\` is only sent with POST, PUT or PATCH; this monitor uses ${method}`,
      hint: 'set `method: POST` (or PUT, PATCH), or remove `body`',
    });
    return;
  }
  const bad = malformedSecretRefs(body);
  if (bad.length > 0) {
    report(malformedRef(['body'], bad[0] as string));
    return;
  }
  const contentType = contentTypeOf(monitor.headers);
  if (contentType !== undefined && isJsonMediaType(contentType)) {
    try {
      // A reference may stand for a number or sit inside a string; `0` is valid JSON in both.
      JSON.parse(body.replace(SECRET_REF, '0'));
    } catch (error) {
      report({
        code: 'body_invalid_json',
        path: ['body'],
        message: `\`body\` is not valid JSON, but the Content-Type is \`${contentType}\`: ${(error as Error).message}`,
        hint: 'fix the JSON (a block scalar `body: |` keeps it readable), or change the Content-Type',
      });
    }
  }
};

function contentTypeOf(headers: unknown): string | undefined {
  if (!isRecord(headers)) return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'content-type' && typeof value === 'string') return value;
  }
  return undefined;
}

/** `application/json`, `application/problem+json; charset=utf-8`, ... */
export function isJsonMediaType(contentType: string): boolean {
  const essence = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === 'application/json' || /^[a-z0-9.+-]+\/[a-z0-9.+-]*\+json$/.test(essence);
}
