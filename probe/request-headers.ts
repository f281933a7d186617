// The headers a check sends: Vigil's defaults (README "Defaults"), then the monitor's own headers.
import { DEFAULT_BODY_CONTENT_TYPE, DEFAULT_REQUEST_HEADERS, FORBIDDEN_HEADERS } from '../schema/limits.ts';

// The language (schema/limits.ts) owns the defaults and the refused names, so the loader and the
// probe can never disagree on them.
export const DEFAULT_ACCEPT = DEFAULT_REQUEST_HEADERS.Accept as string;
/** The encodings the probe decodes; the language says brotli, gzip and deflate are always accepted. */
export const ACCEPT_ENCODING = 'br, gzip, deflate';
export const DEFAULT_CONTENT_TYPE = DEFAULT_BODY_CONTENT_TYPE;

/** Header names a monitor may not set (lower case): the probe owns them. */
export const REFUSED_HEADERS: ReadonlySet<string> = new Set(FORBIDDEN_HEADERS.map((h) => h.toLowerCase()));

/** `Vigil/<version> (region <region>)`: lets site owners recognise and allow the probes. */
export function userAgent(version: string, region: string): string {
  return `Vigil/${version} (region ${region})`;
}

/**
 * Defaults first, the monitor's headers over them (by case-insensitive name), refused names
 * skipped (the loader already rejects them; this keeps a hand-made spec from overriding them).
 */
export function requestHeaders(
  custom: Record<string, string>,
  agent: string,
  hasBody: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {
    ...DEFAULT_REQUEST_HEADERS,
    'Accept-Encoding': ACCEPT_ENCODING,
    'User-Agent': agent,
  };
  let hasContentType = false;
  for (const name in custom) {
    const lower = name.toLowerCase();
    if (REFUSED_HEADERS.has(lower)) continue;
    if (lower === 'accept') delete headers.Accept;
    if (lower === 'content-type') hasContentType = true;
    headers[name] = custom[name]!;
  }
  if (hasBody && !hasContentType) headers['Content-Type'] = DEFAULT_CONTENT_TYPE;
  return headers;
}
