#!/usr/bin/env node
// The `vigil` command: one entry point, one file per subcommand under cli/commands/, loaded on
// demand so `vigil validate` does not pay for Fastify and SQLite.
import process from 'node:process';
import { USAGE_EXIT, UsageError } from './usage.ts';

type Command = { run(argv: string[]): Promise<number> };

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  validate: {
    summary: 'check monitor files and point at every mistake',
    load: () => import('./commands/validate.ts'),
  },
  check: {
    summary: 'probe one URL or monitor now and show every phase',
    load: () => import('./commands/check.ts'),
  },
  plan: {
    summary: 'show what applying monitors/ would change on the collector',
    load: () => import('./commands/plan.ts'),
  },
  apply: {
    summary: 'make the collector hold exactly the monitors in git',
    load: () => import('./commands/apply.ts'),
  },
  collector: {
    summary: 'run the collector (API, scheduler, store)',
    load: () => import('./commands/collector.ts'),
  },
  runner: {
    summary: 'run a regional runner that probes for a collector',
    load: () => import('./commands/runner.ts'),
  },
  store: {
    summary: 'store maintenance: copy a SQLite store into PostgreSQL',
    load: () => import('./commands/store.ts'),
  },
  up: {
    summary: 'collector + embedded runner + apply monitors/: the quick start',
    load: () => import('./commands/up.ts'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: vigil <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun \`vigil <command> --help\` for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? USAGE_EXIT : 0;
  }
  if (name === '--version' || name === '-v') {
    const { VERSION } = await import('../common/version.ts');
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`vigil: unknown command \`${name}\`\n\n${usage()}`);
    return USAGE_EXIT;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`vigil ${name}: ${error.message}\n`);
      return USAGE_EXIT;
    }
    throw error;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
