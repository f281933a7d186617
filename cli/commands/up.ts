// `vigil up [path]`: the quick start. Starts the collector with its embedded runner (region
// `local`) on a SQLite file (default ./vigil.db), applies the monitors of `path` (default: the
// current directory's monitors/) through the same sync service POST /v1/sync uses, prints where
// to look and the admin token, and runs until Ctrl-C (which drains the runner and closes).
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `usage: vigil up [path] [--port N] [--host H] [--db FILE]

Starts a collector with the embedded runner (region local) and applies the monitors in
path/monitors/ (or path itself when it is a monitors directory or file; default: ./monitors).
Monitors removed from the files are deleted. Secrets written as \${NAME} come from the
environment. Ctrl-C stops it gracefully.

  --port N      port (default $VIGIL_PORT or 8080; 0 = any free port)
  --host H      address to listen on (default $VIGIL_HOST or 127.0.0.1)
  --db FILE     SQLite file (default $VIGIL_DB or ./vigil.db)

Other settings (admin token, region keys for remote runners...) as for \`vigil collector\`.
`;

/** Printed on stderr; tests and scripts parse these. */
export const UP_STATUS_PREFIX = 'vigil up: status ';
export const UP_TOKEN_PREFIX = 'vigil up: admin token ';

async function kind(path: string): Promise<'dir' | 'file' | null> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

/** `path/monitors` when it exists, else `path` (a monitors directory or a file); null if neither. */
export async function monitorsPath(path: string): Promise<string | null> {
  const nested = join(path, 'monitors');
  if ((await kind(nested)) === 'dir') return nested;
  if (path !== '.' && (await kind(path)) !== null) return path;
  return null;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument \`${positionals[1]}\``);
  const err = (line: string) => process.stderr.write(`${line}\n`);

  const { ConfigError, loadConfig } = await import('../../collector/config/config.ts');
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (values.port !== undefined) env.VIGIL_PORT = values.port;
  if (values.host !== undefined) env.VIGIL_HOST = values.host;
  if (values.db !== undefined) env.VIGIL_DB = values.db;
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig({ env });
  } catch (error) {
    if (error instanceof ConfigError) {
      err(`vigil up: ${error.message}`);
      return 1;
    }
    throw error;
  }
  config.embeddedRunner = true;

  // Load and check the monitors first: nothing starts when they are wrong.
  const base = resolve(positionals[0] ?? '.');
  const where = await monitorsPath(base);
  const { formatDiagnostic } = await import('../sync-command.ts');
  let request: { monitors: unknown[]; secrets: Record<string, string> } | null = null;
  if (where === null) {
    err(`vigil up: no monitors/ in ${base}: nothing to apply (add monitors/*.yml and run it again)`);
  } else {
    const { prepareSync } = await import('../../client/sync-steps.ts');
    const prepared = await prepareSync([where], env, (d) => err(formatDiagnostic(d)));
    if (!prepared.ok) {
      const { stage, count } = prepared;
      err(
        stage === 'files'
          ? `vigil up: ${count} error${count === 1 ? '' : 's'} in the monitor files; nothing started`
          : 'vigil up: secrets missing from the environment; nothing started',
      );
      return 1;
    }
    request = { monitors: prepared.monitors, secrets: prepared.secrets };
  }

  const { startCollector, TOKEN_PREFIX } = await import('../../collector/server.ts');
  let generated: string | null = null;
  const collector = await startCollector(config, (line) => {
    if (line.startsWith(TOKEN_PREFIX)) generated = line.slice(TOKEN_PREFIX.length);
    else err(line);
  });
  try {
    if (request !== null) {
      const { sync } = await import('../../collector/sync/sync-service.ts');
      const { summaryLine } = await import('../../schema/plan-render.ts');
      const ctx = collector.app.vigil;
      const plan = await sync(
        { monitors: ctx.store.monitors, fingerprintKey: ctx.fingerprintKey, now: ctx.now },
        { revision: null, monitors: request.monitors, secrets: request.secrets, prune: true },
      );
      await ctx.runtime.engine.reconcile();
      err(`vigil up: applied ${where}: ${summaryLine(plan)}`);
    }
  } catch (error) {
    const failure = error as {
      code?: string;
      message?: string;
      diagnostics?: Parameters<typeof formatDiagnostic>[0][];
    };
    for (const d of failure.diagnostics ?? []) err(formatDiagnostic(d));
    err(`vigil up: ${failure.code ?? 'error'}: ${failure.message ?? String(error)}`);
    await collector.close();
    return 1;
  }

  // GET /v1/status when this build has it (the status page feature), else the monitors list.
  const status = collector.app.hasRoute({ method: 'GET', url: '/v1/status' }) ? '/v1/status' : '/v1/monitors';
  err(`${UP_STATUS_PREFIX}${collector.url}${status}  (runners: ${collector.url}/v1/runners)`);
  if (generated !== null) err(`${UP_TOKEN_PREFIX}${generated}  (generated now, shown once; stored hashed)`);
  else if (config.adminToken !== null) err(`${UP_TOKEN_PREFIX}from VIGIL_ADMIN_TOKEN`);
  else
    err(
      `${UP_TOKEN_PREFIX}was shown when ${config.db} was created (stored hashed); set VIGIL_ADMIN_TOKEN to choose one`,
    );
  // Listen before saying so: a signal sent as soon as this line is read must stop gracefully,
  // not meet the default action of an unhandled SIGINT/SIGTERM (immediate death).
  const signalled = new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  err('vigil up: running; Ctrl-C to stop');

  const signal = await signalled;
  const force = () => process.exit(1);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  err(`vigil up: ${signal}: stopping (the runner finishes its checks; Ctrl-C again to quit at once)`);
  await collector.close();
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  err('vigil up: stopped');
  return 0;
}
