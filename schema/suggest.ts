// "Did you mean ...?" for misspelt keys and enum values.

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      const prev = d[i - 1]!;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
      }
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `input`, or null when none is close: equal ignoring case, `-`/`_`
 * and spaces first, then the smallest edit distance within about a third of the length.
 */
export function closest(input: string, candidates: readonly string[]): string | null {
  const fold = (text: string) => text.toLowerCase().replace(/[-_\s]/g, '');
  const folded = fold(input);
  const exact = candidates.find((candidate) => fold(candidate) === folded);
  if (exact !== undefined) return exact;
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(folded, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(Math.max(folded.length, 3) / 3));
  // Plural/singular slips (`keyword` for `keywords`) are common enough to allow on short names.
  if (best !== null && (bestDistance <= allowed || (bestDistance === 1 && folded.length >= 2))) return best;
  // `jsonpath` for `json`, `head` for `headers`: one is the start of the other.
  const prefixed = candidates.filter((candidate) => {
    const c = fold(candidate);
    return Math.min(c.length, folded.length) >= 3 && (c.startsWith(folded) || folded.startsWith(c));
  });
  return prefixed.length === 1 ? (prefixed[0] as string) : null;
}
