// `vigil collector [--config FILE]`: run the collector until SIGINT/SIGTERM.
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `usage: vigil collector [--config FILE]

Runs the collector: API, scheduler, store, incidents, status page. Settings come from FILE (JSON or
YAML, keys are the variable names in lower case without VIGIL_, e.g. region_keys) and then from the
environment, which wins:
  VIGIL_HOST, VIGIL_PORT      where to listen (default 127.0.0.1:8080; port 0 = any free port)
  VIGIL_DB                    SQLite file (default ./vigil.db)
  VIGIL_DATABASE_URL          postgres://user:password@host:5432/db[?schema=name]: the store is in
                              PostgreSQL instead (schema default vigil); VIGIL_DB then only places
                              the spill file
  VIGIL_ADMIN_TOKEN           token for changes (POST /v1/sync); when unset, one is generated at the
                              first start, printed once and stored hashed
  VIGIL_LOG_LEVEL             fatal, error, warn, info (default), debug, trace, silent
  VIGIL_SYNC_BODY_LIMIT       bytes accepted by POST /v1/sync (default 10485760)
  VIGIL_BODY_LIMIT            bytes accepted by other routes (default 1048576)
Runners:
  VIGIL_REGION_KEYS           region:key,... (or one key for any region) for remote runners
  VIGIL_EMBEDDED_RUNNER       run a runner in region local in this process (default true)
  VIGIL_EMBEDDED_CONCURRENCY  checks the embedded runner runs at once (default 50)
Incidents:
  VIGIL_GITHUB_REPOSITORY     owner/repo to open incident issues in
  VIGIL_GITHUB_TOKEN          token with issues: write on that repository
  VIGIL_GITHUB_API_URL        GitHub API base (default https://api.github.com)
  VIGIL_WEBHOOK_URL           also POST incidents as JSON (Slack-compatible text)
  VIGIL_WEBHOOK_SECRET        HMAC key for the X-Vigil-Signature header
  VIGIL_PUBLIC_URL            this collector's public address, for links in issues
  VIGIL_INCIDENT_RETRY_BASE_MS, VIGIL_INCIDENT_RETRY_MAX_MS, VIGIL_GITHUB_RETRY_BASE_MS,
  VIGIL_GITHUB_WRITE_SPACING_MS   delivery retry and spacing (defaults 5000, 600000, 1000, 1000)
Status page:
  VIGIL_STATUS_PUBLIC         false = page, /v1/status, badges and /metrics need a token (default true)
  VIGIL_STATUS_TOKEN          read token for a private status
  VIGIL_STATUS_TITLE          title of the status page
  VIGIL_STATUS_MAX_AGE_MS     how long a status snapshot is served before a rebuild (default 10000)
Retention:
  VIGIL_RETENTION_CHECKS_DAYS, VIGIL_RETENTION_LOGS_DAYS, VIGIL_RETENTION_ROLLUPS_DAYS
                              raw checks, failure logs, hourly rollups (default 30, 90, 400)
  VIGIL_RETENTION_INTERVAL_MS how often old rows are pruned, ms (default 600000; 0 = never)
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument \`${positionals[0]}\``);

  const { ConfigError, loadConfig } = await import('../../collector/config/config.ts');
  const { runCollector } = await import('../../collector/server.ts');
  try {
    const config = await loadConfig(values.config === undefined ? {} : { file: values.config });
    return await runCollector(config);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof ConfigError || typeof code === 'string') {
      process.stderr.write(
        `vigil collector: ${typeof code === 'string' ? `${code}: ` : ''}${(error as Error).message}\n`,
      );
      return 1;
    }
    throw error;
  }
}
