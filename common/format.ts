// Durations as people read them, one style everywhere a person reads one: the status page and
// badges (how long an incident lasted, response times), issue bodies and comments, probe
// messages, CLI and Action output. Compact units with no space, at most the two largest:
// `250ms`, `1.5s`, `45s`, `3m 20s`, `2h 5m`, `1d 3h`. Below a second in milliseconds, below ten
// seconds to a tenth, above that whole units rounded down (an incident "down 2h" has not yet
// lasted 2h 1m). Monitor files have their own syntax, `1h30m`, which schema/duration.ts parses
// and formats (`formatDuration`); this one is never read back. Phase timings are measurements,
// not durations: tables of them (the `vigil check` waterfall, the votes in an issue) give
// milliseconds to a tenth. See ARCHITECTURE.md (common/).

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
];

export function formatDurationForPeople(ms: number): string {
  const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
  if (value === 0) return '0s';
  if (Math.round(value) < 1000) return `${Math.round(value)}ms`;
  if (value < 10_000) return `${Math.round(value / 100) / 10}s`;
  let rest = Math.floor(value / 1000);
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0) parts.push(`${count}${unit}`);
    if (parts.length === 2) break;
  }
  if (parts.length === 2 && parts[1]!.startsWith('0')) parts.pop();
  return parts.join(' ');
}
