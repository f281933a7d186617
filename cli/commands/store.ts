// `vigil store copy --from FILE --to URL [--replace] [--batch N] [--format text|json]`: move an
// embedded installation (the SQLite file) into PostgreSQL with all its history, incidents and
// outbox, and verify every table's row count before committing (collector/store/copy.ts).
// Exit 0 copied and verified, 1 refused or failed (a coded error on stderr; nothing committed),
// 2 usage error (bad flags, an unsupported direction, no such file).
import process from 'node:process';
import { parseCommandArgs, USAGE_EXIT, UsageError } from '../usage.ts';

const HELP = `usage: vigil store copy --from FILE --to URL [--replace] [--batch N] [--format text|json]

Copies the SQLite store FILE (vigil.db) into the PostgreSQL schema at URL
(postgres://user:password@host:5432/db[?schema=name], schema default vigil): monitors with their
revisions and archived lineages, checks, rollups, incidents, alerts and the outbox (delivered and
pending), runner sessions and settings, with their ids. Both stores are first migrated to this
build's version. Stop the collector that uses FILE first (the copy refuses a file in use); no
collector should use URL until the copy ends.

  --from FILE        the SQLite file to copy (it is not changed beyond its migrations)
  --to URL           the PostgreSQL database (and ?schema=) to copy into
  --replace          the target already holds a Vigil installation: delete every row of its
                     tables first, in the copy's transaction (a failed copy keeps them);
                     without it a target with any row is refused
  --batch N          rows per INSERT (default 5000)
  --format <f>       text (default): a table of rows per table; json: the report as JSON
  -h, --help         show this help

Every table's rows are counted on both sides before the copy commits; any difference rolls the
whole copy back. Exit status: 0 copied and verified, 1 refused or failed (nothing committed),
2 usage error.
`;

const USAGE = 'usage: vigil store copy --from FILE --to URL [--replace] (see vigil store copy --help)';

/** Refusals that mean the command was pointed at the wrong thing: usage errors. */
const USAGE_CODES = new Set(['VIGIL_ERR_COPY_DIRECTION', 'VIGIL_ERR_COPY_SOURCE_MISSING']);

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (sub !== 'copy')
    throw new UsageError(sub === undefined ? USAGE : `unknown subcommand \`${sub}\`\n${USAGE}`);
  const { values, positionals } = parseCommandArgs(rest, {
    from: { type: 'string' },
    to: { type: 'string' },
    replace: { type: 'boolean', default: false },
    batch: { type: 'string' },
    format: { type: 'string', default: 'text' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument \`${positionals[0]}\``);
  if (values.from === undefined || values.to === undefined)
    throw new UsageError(`--from and --to are required\n${USAGE}`);
  if (values.format !== 'text' && values.format !== 'json') {
    throw new UsageError(`--format must be text or json, not \`${values.format}\``);
  }
  const batch = values.batch === undefined ? undefined : Number(values.batch);
  if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1 && batch <= 50_000)) {
    throw new UsageError(`--batch must be a whole number from 1 to 50000, not \`${values.batch}\``);
  }

  const { copyStore, CopyError } = await import('../../collector/store/copy.ts');
  const { renderCopyReport, renderCounts } = await import('./store-report.ts');
  const json = values.format === 'json';
  try {
    const report = await copyStore({
      from: values.from,
      to: values.to,
      replace: values.replace,
      ...(batch === undefined ? {} : { batchSize: batch }),
    });
    process.stdout.write(
      json ? `${JSON.stringify({ ok: true, ...report }, null, 2)}\n` : renderCopyReport(report),
    );
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    const message = (error as Error).message;
    if (json) {
      const tables = error instanceof CopyError ? error.tables : [];
      process.stdout.write(`${JSON.stringify({ ok: false, code, message, tables }, null, 2)}\n`);
    } else {
      process.stderr.write(`vigil store copy: ${code}: ${message}\n`);
      if (error instanceof CopyError && code === 'VIGIL_ERR_COPY_MISMATCH') {
        process.stderr.write(renderCounts(error.tables));
      }
    }
    return USAGE_CODES.has(code) ? USAGE_EXIT : 1;
  }
}
