// Following a redirect by hand (RFC 9110 section 15.4), one fresh connection per hop. Pure.
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export interface HopRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | null;
}

/** The Location resolved against the current URL, or why it cannot be followed. */
export function redirectTarget(location: string, base: URL): { url: URL } | { invalid: string } {
  let url: URL;
  try {
    url = new URL(location, base);
  } catch {
    return { invalid: `Location ${JSON.stringify(location)} is not a valid URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { invalid: `Location ${JSON.stringify(location)} is not an http(s) URL` };
  }
  if (url.hostname === '') return { invalid: `Location ${JSON.stringify(location)} has no host` };
  // A redirect never brings its own credentials (the fetch standard refuses them cross-origin):
  // a target must not make the probe log in somewhere. The message leaves them out.
  if (url.username !== '' || url.password !== '') {
    return {
      invalid: `Location ${JSON.stringify(redactUserinfo(location))} carries a user name or password`,
    };
  }
  // Fragments are not sent; the redirect keeps the original one only for browsers.
  url.hash = '';
  return { url };
}

const BODY_HEADERS = new Set([
  'content-type',
  'content-encoding',
  'content-language',
  'content-location',
  'content-length',
]);
/** Credentials are not handed to another origin (as fetch does). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * The next request. 303 turns everything but HEAD into a body-less GET; 301/302 turn POST into GET
 * (what every user agent does, and RFC 9110 allows); 307/308 repeat the method and body.
 */
export function nextHop(
  current: HopRequest,
  status: number,
  target: URL,
): HopRequest & { dropped: string[] } {
  let method = current.method;
  let body = current.body;
  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET';
    body = null;
  }
  const crossOrigin = target.origin !== current.url.origin;
  const headers: Record<string, string> = {};
  const dropped: string[] = [];
  for (const name in current.headers) {
    const lower = name.toLowerCase();
    if (
      (body === null && current.body !== null && BODY_HEADERS.has(lower)) ||
      (crossOrigin && CREDENTIAL_HEADERS.has(lower))
    ) {
      dropped.push(name);
      continue;
    }
    headers[name] = current.headers[name]!;
  }
  return { url: target, method, headers, body, dropped };
}

/** The Location as it may be shown: `user:password@` replaced, as far as it can be found. */
function redactUserinfo(location: string): string {
  return location.replace(
    /^([a-z][a-z0-9+.-]*:)?\/\/[^/?#]*@/i,
    (_match, scheme: string | undefined) => `${scheme ?? ''}//***@`,
  );
}
