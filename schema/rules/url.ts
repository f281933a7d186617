// `url`: the schema checks the scheme and the absence of whitespace; this rule checks the rest
// (a host, IPv6 in brackets, a valid port, that it parses at all) and warns about a literal
// password. `${NAME}` references may stand anywhere after `://`.

import { formatPath, type PathSegment } from '../diagnostics.ts';
import { malformedSecretRefs, SECRET_REF } from '../secrets.ts';
import type { MonitorRule, RuleFinding } from './context.ts';

/** `${NAME}` for messages (written this way so it is not mistaken for a template). */
export const ref = (name: string): string => `$\{${name}}`;

const HAS_REF = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/;

export const checkUrl: MonitorRule = (monitor, report) => {
  const url = monitor.url;
  if (typeof url !== 'string' || !/^https?:\/\/\S*$/i.test(url)) return;
  const bad = malformedSecretRefs(url);
  if (bad.length > 0) {
    report(malformedRef(['url'], bad[0] as string));
    return;
  }
  const afterScheme = url.slice(url.indexOf('://') + 3);
  const authority = /^[^/?#]*/.exec(afterScheme)?.[0] ?? '';
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? '' : authority.slice(0, at);
  const hostPort = at === -1 ? authority : authority.slice(at + 1);
  const scheme = url.slice(0, url.indexOf('://')).toLowerCase();

  if (!hostPort.startsWith('[') && (hostPort.match(/:/g) ?? []).length >= 2) {
    report({
      code: 'url_ipv6_brackets',
      path: ['url'],
      message: `the IPv6 address in \`url\` must be in brackets: \`${hostPort}\``,
      hint: `write \`${scheme}://[${hostPort}]/\`; a port goes after the bracket: \`${scheme}://[2001:db8::1]:8080/\``,
    });
    return;
  }
  if (hostPort === '' || hostPort.startsWith(':')) {
    report({
      code: 'url_host',
      path: ['url'],
      message: '`url` has no host',
      hint: `write the host after \`//\`, e.g. \`${scheme}://example.com/\``,
    });
    return;
  }
  // `[v6]:port` or `host:port`; after a bracketed address only `:port` may follow.
  const afterHost = hostPort.startsWith('[')
    ? hostPort.slice(hostPort.indexOf(']') + 1)
    : hostPort.replace(/^[^:]*/, '');
  const port = afterHost.startsWith(':') ? afterHost.slice(1) : afterHost === '' ? undefined : afterHost;
  if (
    port !== undefined &&
    !HAS_REF.test(port) &&
    !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)
  ) {
    report({
      code: 'invalid_url',
      path: ['url'],
      message: `the port \`${port}\` in \`url\` is not a number from 1 to 65535`,
      hint:
        port === ''
          ? 'remove the `:` after the host, or write the port after it'
          : 'write a port from 1 to 65535',
    });
    return;
  }
  // References are filled at apply time; judge the URL with placeholders that fit a host label
  // or a port, whichever the reference stands for.
  const parses = ['x', '1'].some((placeholder) => URL.canParse(url.replace(SECRET_REF, placeholder)));
  if (!parses) {
    report({
      code: 'invalid_url',
      path: ['url'],
      message: `\`url\` is not a valid URL: \`${url}\``,
      hint: 'check the host name and percent-encode characters such as `<`, `>`, `"` and `|`',
    });
    return;
  }
  const password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : '';
  if (password !== '' && !/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(password)) {
    report({
      code: 'url_credentials',
      path: ['url'],
      severity: 'warning',
      message:
        '`url` holds a password in plain text; it would show in plans, on the status page and in issues',
      hint: `use a secret reference for it: \`https://user:${ref('SITE_PASSWORD')}@example.com/\``,
    });
  }
};

export function malformedRef(path: PathSegment[], snippet: string): RuleFinding {
  return {
    code: 'invalid_secret_ref',
    path,
    message: `\`${snippet}\` in \`${formatPath(path)}\` is not a well-formed secret reference`,
    hint: `write \`${ref('NAME')}\` with NAME made of letters, digits and \`_\`, not starting with a digit (e.g. \`${ref('API_TOKEN')}\`)`,
  };
}
