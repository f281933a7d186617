// Durations as people read them, one style everywhere a person reads one: the status page, issue
// bodies and comments, probe messages, the CLI. Compact units with no space, the two largest:
// `250ms`, `1.5s`, `45s`, `3m 20s`, `2h 5m`, `1d 3h`. (Monitor files have their own syntax,
// `1h30m`: schema/duration.ts formats that one.)

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
];

export function formatDurationForPeople(ms: number): string {
  const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
  if (value === 0) return '0s';
  if (value < 1000) return `${Math.round(value)}ms`;
  if (value < 10_000 && value % 1000 !== 0) return `${(value / 1000).toFixed(1)}s`;
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
