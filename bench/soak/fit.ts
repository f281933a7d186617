// Memory over a soak: the least-squares slope of samples against time over the last part of the
// run (flat = a slope near 0 MB/min), and the last sample against the first of that part.

export interface Point {
  at: number;
  value: number;
}

/** Slope of the least-squares line through `points`, per minute; NaN for fewer than two. */
export function slopePerMinute(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.at, 0) / n;
  const my = points.reduce((s, p) => s + p.value, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.at - mx) * (p.value - my);
    den += (p.at - mx) ** 2;
  }
  return den === 0 ? Number.NaN : (num / den) * 60_000;
}

export interface Trend {
  first: number;
  last: number;
  max: number;
  /** MB per minute over the window. */
  slope: number;
  /** last / first of the window. */
  ratio: number;
}

/** The trend of `points` over the last `fraction` of [start, end]. */
export function trendOf(points: readonly Point[], start: number, end: number, fraction: number): Trend {
  const from = end - (end - start) * fraction;
  const window = points.filter((p) => p.at >= from);
  const first = window[0]?.value ?? Number.NaN;
  const last = window.at(-1)?.value ?? Number.NaN;
  return {
    first,
    last,
    max: Math.max(...window.map((p) => p.value)),
    slope: slopePerMinute(window),
    ratio: last / first,
  };
}
