// Times as people read them in issues: UTC instants, how long ago, milliseconds (durations:
// common/format.ts).
import { formatDurationForPeople } from '../../common/format.ts';

/** `2024-05-01 12:00:00 UTC`. */
export function utc(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `3m 20s ago` (or `just now`). */
export function ago(at: number, now: number): string {
  return now - at < 1000 ? 'just now' : `${formatDurationForPeople(now - at)} ago`;
}

/** Milliseconds with at most one decimal, `-` when unknown. */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}
