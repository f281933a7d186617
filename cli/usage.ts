import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Exit code for a usage error, as the CLI promises (0 ok, 1 failure found, 2 usage). */
export const USAGE_EXIT = 2;

/** Thrown by commands for bad flags or arguments; main prints it and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** node:util parseArgs, with its errors turned into UsageError so they exit 2 with a clear line. */
export function parseCommandArgs<T extends ParseArgsConfig['options']>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
