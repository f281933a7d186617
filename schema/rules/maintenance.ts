// Maintenance windows: exactly one of the two forms, complete; fixed windows end after they
// start; cron expressions have five fields and parse; time zones exist.
import { CronExpressionParser } from 'cron-parser';
import { memoize } from '../memo.ts';
import { isRecord } from '../merge.ts';
import { closest } from '../suggest.ts';
import type { MonitorRule, Report } from './context.ts';

export const checkMaintenance: MonitorRule = (monitor, report) => {
  const windows = monitor.maintenance;
  if (!Array.isArray(windows)) return;
  windows.forEach((window, index) => {
    if (isRecord(window)) checkWindow(window, index, report);
  });
};

function checkWindow(w: Record<string, unknown>, index: number, report: Report): void {
  const base = ['maintenance', index];
  const label = `maintenance[${index}]`;
  const fixedKeys = ['start', 'end'].filter((k) => k in w);
  const cronKeys = ['cron', 'duration', 'timezone'].filter((k) => k in w);
  const form = (
    message: string,
    hint: string,
    path: Array<string | number> = base,
    part: 'key' | 'value' = 'value',
  ) => report({ code: 'invalid_maintenance', path, part, message, hint });

  if (fixedKeys.length > 0 && cronKeys.length > 0) {
    form(
      `\`${label}\` mixes a fixed window (${fixedKeys.join(', ')}) with a recurring one (${cronKeys.join(', ')})`,
      'use `start` and `end` for a one-off window, or `cron` and `duration` for a recurring one; split it into two windows if you need both',
      [...base, cronKeys[0] as string],
      'key',
    );
    return;
  }
  if (fixedKeys.length === 0 && cronKeys.length === 0) {
    form(
      `\`${label}\` needs \`start\` and \`end\`, or \`cron\` and \`duration\``,
      'e.g. `{start: 2025-06-01T02:00:00Z, end: 2025-06-01T04:00:00Z}` or `{cron: "0 3 * * 0", duration: 1h}`',
    );
    return;
  }
  if (fixedKeys.length > 0) {
    for (const [has, missing] of [
      ['start', 'end'],
      ['end', 'start'],
    ] as const) {
      if (has in w && !(missing in w)) {
        form(
          `\`${label}\` has \`${has}\` but no \`${missing}\``,
          `add \`${missing}:\` with an ISO 8601 date-time`,
        );
        return;
      }
    }
    const start = instant(w.start);
    const end = instant(w.end);
    for (const [key, value, ms] of [
      ['start', w.start, start],
      ['end', w.end, end],
    ] as const) {
      if (typeof value === 'string' && ms === null && /^\d{4}-\d\d-\d\dT/.test(value)) {
        report({
          code: 'invalid_format',
          path: [...base, key],
          message: `\`${label}.${key}\` \`${value}\` is not a real point in time`,
          hint: 'check the day of the month and the time (seconds go up to 59)',
        });
      }
    }
    if (start !== null && end !== null && end <= start) {
      report({
        code: 'maintenance_order',
        path: [...base, 'end'],
        message: `\`${label}.end\` ${String(w.end)} is not after \`start\` ${String(w.start)}`,
        hint: 'swap them, or fix the date',
      });
    }
    return;
  }
  for (const [has, missing] of [
    ['cron', 'duration'],
    ['duration', 'cron'],
  ] as const) {
    if (has in w && !(missing in w)) {
      form(
        `\`${label}\` has \`${has}\` but no \`${missing}\``,
        missing === 'duration'
          ? 'add `duration:` with how long each window lasts, e.g. `1h`'
          : 'add `cron:` with when each window starts, e.g. `"0 3 * * 0"`',
      );
      return;
    }
  }
  if (!('cron' in w)) {
    form(
      `\`${label}\` has \`timezone\` but no \`cron\` and \`duration\``,
      '`timezone` only applies to a recurring window',
    );
    return;
  }
  const timezone = typeof w.timezone === 'string' ? w.timezone : 'UTC';
  const zoneOk = isTimeZone(timezone);
  if (!zoneOk) {
    const suggestion = closest(timezone, Intl.supportedValuesOf('timeZone'));
    report({
      code: 'invalid_timezone',
      path: [...base, 'timezone'],
      message: `\`${label}.timezone\` \`${timezone}\` is not a known IANA time zone`,
      hint:
        suggestion !== null
          ? `write \`${suggestion}\``
          : 'use a name like `UTC`, `Europe/Berlin` or `America/New_York`',
    });
  }
  if (typeof w.cron === 'string') {
    const problem = cronProblem(w.cron, zoneOk ? timezone : 'UTC');
    if (problem !== null) {
      report({
        code: 'invalid_cron',
        path: [...base, 'cron'],
        message: `\`${label}.cron\` \`${w.cron}\` is not a valid cron expression: ${problem}`,
        hint: 'five fields: minute hour day-of-month month day-of-week, e.g. `"0 3 * * 0"` for Sundays at 03:00',
      });
    }
  }
}

function instant(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2025-02-30 over to March; a real instant round-trips its calendar date.
  const date = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)/.exec(value);
  if (date !== null) {
    const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
    const probe = new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
    if (probe.getUTCDate() !== d || probe.getUTCHours() !== h || probe.getUTCSeconds() !== s) return null;
  }
  return ms;
}

export const isTimeZone = memoize((name: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
});

/** Why a cron expression is not a valid five-field expression, or null. */
export function cronProblem(expression: string, timezone: string): string | null {
  return cronProblemMemo(`${timezone}\n${expression}`);
}

const cronProblemMemo = memoize((key: string): string | null => {
  const [timezone = 'UTC', expression = ''] = key.split('\n');
  const fields = expression
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '');
  if (fields.length !== 5) return `it has ${fields.length} field${fields.length === 1 ? '' : 's'}, not 5`;
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: timezone });
    return null;
  } catch (error) {
    return lowerFirst((error as Error).message);
  }
});

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
