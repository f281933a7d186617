// Times and durations as people read them in issues: UTC instants and short durations.

/** `2024-05-01 12:00:00 UTC`. */
export function utc(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `45s`, `3m 20s`, `2h 5m`, `1d 3h`: the two largest units, rounded down to seconds. */
export function duration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`;
  if (minutes > 0) return seconds > 0 ? `${minutes}m ${seconds}s` : `${minutes}m`;
  return `${seconds}s`;
}

/** `3m 20s ago` (or `just now`). */
export function ago(at: number, now: number): string {
  return now - at < 1000 ? 'just now' : `${duration(now - at)} ago`;
}

/** Milliseconds with at most one decimal, `-` when unknown. */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}
