// `vigil runner --collector URL[,URL...] --region NAME --key KEY [--name N] [--concurrency 50] [--ca-file PEM]`:
// a regional runner. Several collector URLs (one cluster): one is used at a time, the next on
// failure (runner/failover-transport.ts). Logs go to stdout as JSON lines (pino's format, like the collector); human
// lines go to stderr, among them one parsable line per registration:
//   vigil runner: registered id=<runnerId> region=<region> name=<name> concurrency=<n> collector=<url>
// SIGTERM/SIGINT drain (stop claiming, finish jobs, report, deregister) and exit 0; a second
// signal exits 1 at once. A refused region key exits 1 with a message naming region and collector.
import { hostname } from 'node:os';
import { targetGuardOf } from '../target-guard.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

export const REGISTERED_PREFIX = 'vigil runner: registered ';

const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const MAX_CONCURRENCY = 10_000;

const HELP = `usage: vigil runner --collector URL[,URL...] --region NAME --key KEY [options]

Runs checks for a collector from one region: registers with the region key, claims jobs, probes
them and reports the results. SIGTERM or SIGINT drains: no new jobs, running ones finish and are
reported, then the runner deregisters.

  --collector URLS    collector base URL, or several of one cluster separated by commas: one is
                      used at a time, the next when it does not answer or answers 5xx
                      (default: $VIGIL_COLLECTOR_URL, same form)
  --region NAME       region this runner probes from (default: $VIGIL_REGION)
  --key KEY           the region's key as configured on the collector (default: $VIGIL_REGION_KEY;
                      prefer the variable: arguments show in process lists)
  --name N            runner name shown by the collector (default: <hostname>-<pid>)
  --concurrency N     checks run at once (default 50)
  --ca-file PEM       extra CA certificates trusted by checks, besides the system's

Shared collectors: VIGIL_BLOCK_PRIVATE_TARGETS=true refuses loopback, private, link-local (cloud
metadata) and other internal addresses, on every redirect hop; VIGIL_ALLOW_TARGETS=CIDR,... exempts some.
Logs: JSON lines on stdout; VIGIL_LOG_LEVEL = fatal, error, warn, info (default), debug, silent.
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    collector: { type: 'string' },
    region: { type: 'string' },
    key: { type: 'string' },
    name: { type: 'string' },
    concurrency: { type: 'string' },
    'ca-file': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument \`${positionals[0]}\``);
  const env = process.env;
  const collectorUrl = nonEmpty(values.collector ?? env.VIGIL_COLLECTOR_URL);
  const region = nonEmpty(values.region ?? env.VIGIL_REGION);
  const key = nonEmpty(values.key ?? env.VIGIL_REGION_KEY);
  if (collectorUrl === undefined)
    throw new UsageError('--collector URL (or VIGIL_COLLECTOR_URL) is required');
  if (region === undefined) throw new UsageError('--region NAME (or VIGIL_REGION) is required');
  if (!REGION_NAME.test(region)) {
    throw new UsageError(
      `region \`${region}\` is not a region name: 1 to 32 lower-case letters, digits and \`-\`, starting with a letter or digit`,
    );
  }
  if (key === undefined) throw new UsageError('--key KEY (or VIGIL_REGION_KEY) is required');
  const concurrency = parseConcurrency(values.concurrency);
  const name = nonEmpty(values.name) ?? `${hostname()}-${process.pid}`;
  const caFile = values['ca-file'];
  if (caFile === '') throw new UsageError('--ca-file needs a file');
  const targetGuard = targetGuardOf(env);
  const level = env.VIGIL_LOG_LEVEL ?? 'info';

  const [
    { createHttpTransport },
    { createFailoverTransport, splitCollectorUrls },
    { startRunner },
    { createLogger, isLogLevel, LOG_LEVELS },
    { VERSION },
  ] = await Promise.all([
    import('../../runner/http-transport.ts'),
    import('../../runner/failover-transport.ts'),
    import('../../runner/runner.ts'),
    import('../../common/log.ts'),
    import('../../common/version.ts'),
  ]);
  if (!isLogLevel(level)) {
    throw new UsageError(`VIGIL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const say = (line: string) => process.stderr.write(`vigil runner: ${line}\n`);
  const logger = createLogger({ level, base: { component: 'runner', region, name } });
  const urls = splitCollectorUrls(collectorUrl);
  if (urls.length === 0) throw new UsageError('--collector needs at least one URL');
  let transport: ReturnType<typeof createHttpTransport>;
  try {
    const userAgent = `vigil-runner/${VERSION}`;
    transport =
      urls.length === 1
        ? createHttpTransport({ url: urls[0]!, key, userAgent })
        : createFailoverTransport({ urls, key, userAgent, logger });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  const runner = startRunner({
    transport,
    region,
    name,
    concurrency,
    version: VERSION,
    logger,
    ...(caFile === undefined ? {} : { caFile }),
    targetGuard,
    onRegistered: (session) =>
      process.stderr.write(
        `${REGISTERED_PREFIX}id=${session.runnerId} region=${region} name=${name} concurrency=${concurrency} collector=${transport.collector}\n`,
      ),
  });

  const force = () => {
    say('second signal: exiting without draining');
    process.exit(1);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: draining (no new checks; running ones finish and are reported)`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.once('SIGINT', force);
    process.once('SIGTERM', force);
    void runner.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const exit = await runner.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  await transport.close().catch(() => undefined);
  const s = exit.stats;
  if (exit.error !== null) {
    say(`${exit.error.code}: ${exit.error.message}`);
    return 1;
  }
  say(
    `stopped: ${s.completed} checks run, ${s.accepted} results stored, ${s.lost + s.dropped} lost` +
      `${s.deregistered ? `, deregistered ${s.runnerId}` : ', not deregistered'}`,
  );
  return 0;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parseConcurrency(raw: string | undefined): number {
  if (raw === undefined) return 50;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(value) || value < 1 || value > MAX_CONCURRENCY) {
    throw new UsageError(`--concurrency must be an integer from 1 to ${MAX_CONCURRENCY}, got \`${raw}\``);
  }
  return value;
}
