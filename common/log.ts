// Logging, one shape everywhere: pino's (`log.info(fields, message)`). The collector logs through
// Fastify's pino logger; the `vigil runner` process through createLogger, the same JSON lines
// (pino's level numbers, `time`, `msg`, errors under `err`); the embedded runner gets the
// collector's logger. Code that logs takes a `Logger` and never cares which. See ARCHITECTURE.md
// (common/).
import { pino } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What every part of Vigil logs through: a pino logger (Fastify's `app.log` is one) fits. */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const noop = () => undefined;
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export interface LoggerOptions {
  level: LogLevel;
  /** Fields on every line (e.g. component, region). */
  base?: Record<string, unknown>;
  /** Where the lines go; stdout by default (the runner's lines for its operator go to stderr). */
  destination?: { write(line: string): void };
}

/** JSON lines in pino's format. */
export function createLogger(options: LoggerOptions): Logger {
  const settings = { level: options.level, base: options.base ?? {} };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
