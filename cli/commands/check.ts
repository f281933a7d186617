// `vigil check <url> [options]` and `vigil check --monitor <id> [paths...]`: probe once, now, and
// show whether it is up, how long each phase took and precisely why not.
// Exit 0 up, 1 down, 2 usage error (bad flag, unknown monitor, invalid monitor files, missing secret).
import process from 'node:process';
import { styleText } from 'node:util';
import { VERSION } from '../../common/version.ts';
import { probe } from '../../probe/probe.ts';
import { renderCheckResult } from '../../probe/render.ts';
import { REFUSED_HEADERS } from '../../probe/request-headers.ts';
import { type ProbeSpec, probeSpecFor } from '../../probe/spec.ts';
import { createProbeTlsContext, ProbeTlsConfigError } from '../../probe/tls-context.ts';
import { parseDuration } from '../../schema/duration.ts';
import { secretNamesIn } from '../../schema/secrets.ts';
import { HTTP_METHODS, type HttpMethod, type Secrets } from '../../schema/types.ts';
import { targetGuardOf } from '../target-guard.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `usage: vigil check <url> [options]
       vigil check --monitor <id> [paths...]

Probe one URL, or one monitor declared in monitor files, now: status, a phase waterfall
(DNS, TCP, TLS, server processing, transfer), TLS details, and on failure the reason.

  --method <M>            GET (default), HEAD, POST, PUT, PATCH, DELETE
  --header 'K: V'         request header (repeatable)
  --body <text>           request body (POST, PUT, PATCH)
  --keyword <text>        must appear in a 2xx body (repeatable)
  --forbidden <text>      must not appear in the body (repeatable)
  --timeout <duration>    whole-check deadline, 1s..60s (default 15s)
  --follow-redirects <n>  0..10 (default 5)
  --http <v>              auto (default), 1.1 or 2
  --ip <v>                auto (default), 4 or 6
  --insecure              do not verify the TLS certificate (tls.verify: false)
  --ca-file <pem>         extra CA certificates to trust, as NODE_EXTRA_CA_CERTS
  --region <name>         region named in the User-Agent (default local)
  --block-private-targets refuse loopback, private, link-local and other internal addresses
                          (also VIGIL_BLOCK_PRIVATE_TARGETS=true; VIGIL_ALLOW_TARGETS exempts CIDRs)
  --monitor <id>          check this monitor from the files (default paths: monitors/)
  --json                  print the CheckResult as JSON
  -h, --help              show this help

\${NAME} in the URL, headers or body is filled from the environment.
Exit status: 0 up, 1 down, 2 usage error.
`;

const OPTIONS = {
  method: { type: 'string' },
  header: { type: 'string', multiple: true },
  body: { type: 'string' },
  keyword: { type: 'string', multiple: true },
  forbidden: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  'follow-redirects': { type: 'string' },
  http: { type: 'string' },
  ip: { type: 'string' },
  insecure: { type: 'boolean', default: false },
  'ca-file': { type: 'string' },
  region: { type: 'string' },
  'block-private-targets': { type: 'boolean', default: false },
  monitor: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const { spec, title } =
    values.monitor === undefined ? fromUrl(values, positionals) : await fromMonitor(values, positionals);
  applyOverrides(spec, values);
  const secrets = secretsFor(spec);
  const targetGuard = targetGuardOf(process.env, values['block-private-targets']);

  let tlsContext: ReturnType<typeof createProbeTlsContext> | undefined;
  if (values['ca-file'] !== undefined) {
    try {
      tlsContext = createProbeTlsContext({ extraCaFile: values['ca-file'] });
    } catch (error) {
      if (error instanceof ProbeTlsConfigError) throw new UsageError(error.message);
      throw error;
    }
  }

  const result = await probe(spec, {
    secrets,
    version: VERSION,
    region: values.region ?? 'local',
    targetGuard,
    ...(tlsContext === undefined ? {} : { tlsContext }),
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const style = (format: Parameters<typeof styleText>[0], text: string) =>
      styleText(format, text, { stream: process.stdout });
    process.stdout.write(renderCheckResult(result, { title, style }));
  }
  return result.ok ? 0 : 1;
}

function fromUrl(values: Values, positionals: string[]): { spec: ProbeSpec; title: string } {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? 'give a URL to check, or --monitor <id> (see `vigil check --help`)'
        : `give one URL, not ${positionals.length} (\`${positionals.join(' ')}\`)`,
    );
  }
  const url = positionals[0]!;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `\`${url}\` is not a URL; write it in full, e.g. https://${url.replace(/^\/+/, '')}`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`\`${url}\` is not an http(s) URL`);
  }
  const method = (values.method ?? 'GET').toUpperCase();
  if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    throw new UsageError(`--method must be one of ${HTTP_METHODS.join(', ')}, not \`${values.method}\``);
  }
  const body = values.body ?? null;
  if (body !== null && !['POST', 'PUT', 'PATCH'].includes(method)) {
    throw new UsageError(`--body needs --method POST, PUT or PATCH (the method is ${method})`);
  }
  const spec = probeSpecFor(url, {
    method: method as HttpMethod,
    headers: parseHeaders(values.header ?? []),
    body,
    keywords: values.keyword ?? [],
    forbidden_keywords: values.forbidden ?? [],
  });
  return { spec, title: `${method} ${url}` };
}

async function fromMonitor(
  values: Values,
  positionals: string[],
): Promise<{ spec: ProbeSpec; title: string }> {
  for (const flag of ['method', 'header', 'body', 'keyword', 'forbidden'] as const) {
    if (values[flag] !== undefined) {
      throw new UsageError(`--${flag} cannot be used with --monitor: the monitor file says what to send`);
    }
  }
  const id = values.monitor!;
  const paths = positionals.length > 0 ? positionals : ['monitors/'];
  // Loaded on demand: the validator (ajv and the schema) is not needed to check a bare URL.
  const { loadMonitorFiles } = await import('../../schema/load.ts');
  const loaded = await loadMonitorFiles(paths);
  const found = loaded.monitors.find((monitor) => monitor.spec.id === id);
  if (found !== undefined) {
    const { spec, source } = found;
    return { spec, title: `monitor ${id} (${source.file}:${source.line}): ${spec.method} ${spec.url}` };
  }
  const errors = loaded.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0) {
    const listed = errors
      .slice(0, 5)
      .map((d) => `  ${d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file}: ${d.code}: ${d.message}`)
      .join('\n');
    throw new UsageError(
      `monitor \`${id}\` is not among the valid monitors of ${paths.join(', ')}; the files have errors ` +
        `(run \`vigil validate ${paths.join(' ')}\`):\n${listed}`,
    );
  }
  const ids = loaded.monitors.map((monitor) => monitor.spec.id);
  throw new UsageError(
    `no monitor \`${id}\` in ${paths.join(', ')}${ids.length > 0 ? ` (monitors: ${ids.slice(0, 20).join(', ')})` : ''}`,
  );
}

function parseHeaders(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).trim();
    if (name === '' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new UsageError(`--header must look like 'Name: value', not \`${line}\``);
    }
    if (REFUSED_HEADERS.has(name.toLowerCase())) {
      throw new UsageError(`--header ${name} is set by the probe itself and cannot be changed`);
    }
    headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}

function applyOverrides(spec: ProbeSpec, values: Values): void {
  if (values.timeout !== undefined) {
    const timeout = parseDuration(values.timeout);
    if (timeout === null || timeout < 1000 || timeout > 60_000) {
      throw new UsageError(
        `--timeout must be a duration from 1s to 60s (e.g. 15s, 1m), not \`${values.timeout}\``,
      );
    }
    spec.timeout = timeout;
  }
  const redirects = values['follow-redirects'];
  if (redirects !== undefined) {
    const count = Number(redirects);
    if (!/^\d+$/.test(redirects) || count > 10) {
      throw new UsageError(`--follow-redirects must be a whole number from 0 to 10, not \`${redirects}\``);
    }
    spec.follow_redirects = count;
  }
  if (values.http !== undefined) {
    if (values.http !== 'auto' && values.http !== '1.1' && values.http !== '2') {
      throw new UsageError(`--http must be auto, 1.1 or 2, not \`${values.http}\``);
    }
    spec.http = { version: values.http };
  }
  if (values.ip !== undefined) {
    if (values.ip !== 'auto' && values.ip !== '4' && values.ip !== '6') {
      throw new UsageError(`--ip must be auto, 4 or 6, not \`${values.ip}\``);
    }
    spec.ip = values.ip === 'auto' ? 'auto' : values.ip === '4' ? 4 : 6;
  }
  if (values.insecure) spec.tls = { ...spec.tls, verify: false };
}

/** `${NAME}` references filled from the environment; an unset one is a usage error. */
function secretsFor(spec: ProbeSpec): Secrets {
  const texts = [spec.url, ...Object.values(spec.headers), ...(spec.body === null ? [] : [spec.body])];
  const secrets: Secrets = {};
  for (const name of new Set(texts.flatMap(secretNamesIn))) {
    const value = process.env[name];
    if (value === undefined || value === '') {
      throw new UsageError(
        `\${${name}} is used, but the environment variable ${name} is ${value === '' ? 'empty' : 'not set'}`,
      );
    }
    secrets[name] = value;
  }
  return secrets;
}
