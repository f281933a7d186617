// Durations of the monitor language: whole numbers with units h, m, s, ms, largest unit first and
// each at most once (`500ms`, `30s`, `1m`, `2h`, `1h30m`), or `0`. The same grammar is the
// `duration` pattern of monitors.schema.json; a test keeps the two in step. `formatDuration`
// writes this syntax (what a monitor file could say); durations for people to read are
// common/format.ts `formatDurationForPeople`.

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;

/** Anchored grammar; groups are hours, minutes, seconds, milliseconds. */
export const DURATION_PATTERN = /^(?:0|(?=[0-9])(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?)$/;

/** Milliseconds of a duration text, or null when it is not one (or too large to be exact). */
export function parseDuration(text: string): number | null {
  const match = DURATION_PATTERN.exec(text);
  if (match === null) return null;
  const [, h, m, s, ms] = match;
  let total = 0;
  for (const [digits, unit] of [
    [h, UNIT_MS.h],
    [m, UNIT_MS.m],
    [s, UNIT_MS.s],
    [ms, UNIT_MS.ms],
  ] as const) {
    if (digits !== undefined) total += Number(digits) * unit;
  }
  return Number.isSafeInteger(total) ? total : null;
}

/** Canonical text of a duration in ms: largest units first, zero parts left out; 0 is `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(`formatDuration: ${ms} is not a whole, non-negative number of milliseconds`);
  }
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}

/**
 * A likely intended duration for a near miss, for hints: `60` → `60s`, `1 minute` → `1m`,
 * `1d` → `24h`, `90sec` → `90s`. Null when nothing plausible.
 */
export function suggestDuration(value: unknown): string | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return `${value}s`;
  if (typeof value !== 'string') return null;
  const text = value.trim().toLowerCase().replace(/\s+/g, '');
  const unitNames: Array<[RegExp, string]> = [
    [/^(?:milliseconds?|millis|msecs?)$/, 'ms'],
    [/^(?:seconds?|secs?|sec)$/, 's'],
    [/^(?:minutes?|mins?)$/, 'm'],
    [/^(?:hours?|hrs?|hr)$/, 'h'],
  ];
  const parts = [...text.matchAll(/([0-9]+)([a-z]*)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return null;
  let ms = 0;
  for (const [, digits, unitText] of parts) {
    const count = Number(digits);
    let unit: string | undefined = unitText === '' ? 's' : undefined;
    if (unitText === 'd' || unitText === 'day' || unitText === 'days') {
      ms += count * 86_400_000;
      continue;
    }
    if (unitText !== undefined && unitText in UNIT_MS) unit = unitText;
    for (const [pattern, canonical] of unitNames)
      if (unitText !== undefined && pattern.test(unitText)) unit = canonical;
    if (unit === undefined) return null;
    ms += count * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  if (!Number.isSafeInteger(ms)) return null;
  const suggestion = formatDuration(ms);
  return suggestion === value ? null : suggestion;
}
