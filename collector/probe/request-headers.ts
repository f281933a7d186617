// The headers a check sends: the defaults of DESIGN.md, then the monitor's own headers.
export const DEFAULT_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
/** The encodings the probe decodes; the language says brotli, gzip and deflate are always accepted. */
export const ACCEPT_ENCODING = 'br, gzip, deflate';
export const DEFAULT_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** Header names a monitor may not set (lower case): the probe owns them. */
export const REFUSED_HEADERS: ReadonlySet<string> = new Set([
  'accept-encoding',
  'cache-control',
  'connection',
  'host',
  'keep-alive',
  'pragma',
  'proxy-connection',
  'referer',
  'te',
  'transfer-encoding',
  'upgrade',
  'user-agent',
]);

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
    Accept: DEFAULT_ACCEPT,
    'Accept-Encoding': ACCEPT_ENCODING,
    'Cache-Control': 'no-cache',
    Pragma: 'no-cache',
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
