// The flapping score (ARCHITECTURE.md "Verdict"):
//   score = 100 × Σ w(i) / (n − 1) over the checks i of the last `window` checks whose result
//   differs from the previous one, w(i) = 0.78 + 0.02·i, oldest i = 1.
//
// Indexing, verified against the reference example: i is the 1-based position of a check in the window
// (oldest = 1, newest = n = window), a "change at i" means check i differs from check i − 1 inside
// the window (so i = 1 can never be a change), and n is the window size. Changes at checks
// 3, 4, 8, 9, 13, 14, 18, 19, 21 of 21 give Σ w = 9 × 0.78 + 0.02 × 109 = 9.2 and
// 100 × 9.2 / 20 = 46.0 exactly. (Every change weighing the same would give 45.0, weighting by
// the earlier check of each pair 45.1; only this reading gives 46.0.)
//
// The score is computed with integers (100·w(i) = 78 + 2i) and one division, so 46.0 is exact.
// It is null until the window holds `window` checks: a young monitor cannot look "flapping" from
// two or three checks (with n − 1 = 2, one change would score 42).
//
// API:
//   flappingScore(outcomes, window)  -> number | null   outcomes: oldest first, true = ok
//   pushWindow(entries, entry, window) -> the window with `entry` appended, trimmed to `window`

import type { WindowEntry } from './types.ts';

export function flappingScore(outcomes: readonly boolean[], window: number): number | null {
  if (window < 2 || outcomes.length < window) return null;
  const start = outcomes.length - window;
  let sum = 0;
  for (let i = 2; i <= window; i++) {
    if (outcomes[start + i - 1] !== outcomes[start + i - 2]) sum += 78 + 2 * i;
  }
  return sum / (window - 1);
}

export function pushWindow(
  entries: readonly WindowEntry[],
  entry: WindowEntry,
  window: number,
): WindowEntry[] {
  const next = [...entries, entry];
  return next.length > window ? next.slice(next.length - window) : next;
}
