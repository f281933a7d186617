// Half-open time spans [start, end) in epoch ms and the little algebra uptime needs: normalize
// (sort + merge), clip to a window, subtract, measure. Pure; inputs are never mutated.
//
// API:
//   interface Span { start; end }
//   normalize(spans) -> sorted, disjoint, non-empty spans (touching spans merged)
//   clip(spans, from, to) -> normalized spans inside [from, to)
//   subtract(spans, minus) -> normalized spans minus every span of `minus`
//   totalLength(spans) -> summed length of normalized spans

export interface Span {
  start: number;
  end: number;
}

export function normalize(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Span[] = [];
  for (const span of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && span.start <= last.end) {
      if (span.end > last.end) last.end = span.end;
    } else {
      out.push({ start: span.start, end: span.end });
    }
  }
  return out;
}

export function clip(spans: readonly Span[], from: number, to: number): Span[] {
  if (to <= from) return [];
  const out: Span[] = [];
  for (const span of normalize(spans)) {
    const start = Math.max(span.start, from);
    const end = Math.min(span.end, to);
    if (end > start) out.push({ start, end });
  }
  return out;
}

export function subtract(spans: readonly Span[], minus: readonly Span[]): Span[] {
  const base = normalize(spans);
  const cut = normalize(minus);
  if (cut.length === 0) return base;
  const out: Span[] = [];
  let j = 0;
  for (const span of base) {
    let start = span.start;
    // Skip cuts that end before this span.
    while (j < cut.length && cut[j]!.end <= start) j++;
    let k = j;
    while (k < cut.length && cut[k]!.start < span.end) {
      const c = cut[k]!;
      if (c.start > start) out.push({ start, end: c.start });
      start = Math.max(start, c.end);
      if (start >= span.end) break;
      k++;
    }
    if (start < span.end) out.push({ start, end: span.end });
  }
  return out;
}

export function totalLength(spans: readonly Span[]): number {
  let total = 0;
  for (const span of normalize(spans)) total += span.end - span.start;
  return total;
}
