// A Logger that keeps its lines, so tests assert on what was logged (level, fields), not on text.
import type { Logger } from '../../common/log.ts';

export interface Lines {
  logger: Logger;
  lines: Array<{ level: string; fields: object; message: string }>;
}

export function recordingLogger(): Lines {
  const lines: Lines['lines'] = [];
  const at = (level: string) => (fields: object, message: string) => lines.push({ level, fields, message });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}
