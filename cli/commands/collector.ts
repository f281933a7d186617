// `vigil collector [--config FILE]`: run the collector until SIGINT/SIGTERM.
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `usage: vigil collector [--config FILE]

Runs the collector (API and store). Settings come from FILE (JSON or YAML) and then from the
environment, which wins:
  VIGIL_HOST             address to listen on (default 127.0.0.1)
  VIGIL_PORT             port (default 8080; 0 = any free port)
  VIGIL_DB               SQLite file (default ./vigil.db)
  VIGIL_ADMIN_TOKEN      token for changes (POST /v1/sync); when unset, one is generated at the
                         first start, printed once and stored hashed
  VIGIL_LOG_LEVEL        fatal, error, warn, info (default), debug, trace, silent
  VIGIL_SYNC_BODY_LIMIT  bytes accepted by POST /v1/sync (default 10485760)
File keys: host, port, db, admin_token, log_level, sync_body_limit, body_limit.
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

  const { ConfigError, loadConfig } = await import('../../collector/config.ts');
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
