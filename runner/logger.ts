// The runner's logger: pino's call shape (`log.info(fields, message)`) so the embedded runner can
// be handed the collector's pino logger, and a small JSON-lines logger in pino's format for the
// `vigil runner` process (pino itself is only a transitive dependency).

export interface RunnerLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// pino's numeric levels, so runner and collector logs read the same way.
const LEVEL_NUMBER = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

const noop = () => undefined;
export const silentLogger: RunnerLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** One JSON object per line: `{"level":30,"time":...,"msg":...,...fields}`. */
export function jsonLogger(
  level: LogLevel,
  write: (line: string) => void,
  base: Record<string, unknown> = {},
  now: () => number = Date.now,
): RunnerLogger {
  const threshold = LEVEL_NUMBER[level];
  const at = (name: 'debug' | 'info' | 'warn' | 'error') => {
    const number = LEVEL_NUMBER[name];
    if (number < threshold) return noop;
    return (fields: Record<string, unknown>, message: string) => {
      write(
        `${JSON.stringify({ level: number, time: now(), ...base, ...serialize(fields), msg: message })}\n`,
      );
    };
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

// Errors do not survive JSON.stringify; keep what a reader needs.
function serialize(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] =
      value instanceof Error
        ? { type: value.name, message: value.message, code: (value as { code?: unknown }).code }
        : value;
  }
  return out;
}
