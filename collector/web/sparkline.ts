// A 24-hour response-time sparkline: hourly means as an inline SVG polyline (gaps where an hour
// had no measured check), scaled between the lowest and highest hourly mean.
import { escapeHtml } from '../../common/escape.ts';

const WIDTH = 96;
const HEIGHT = 24;

export function renderSparkline(points: readonly (number | null)[], label: string): string {
  const values = points.filter((p): p is number => p !== null);
  if (values.length === 0) {
    return `<svg class="spark" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title><line x1="0" y1="${HEIGHT - 1}" x2="${WIDTH}" y2="${HEIGHT - 1}" class="spark-empty"/></svg>`;
  }
  const min = Math.min(...values);
  const max = Math.max(...values);
  const step = points.length > 1 ? WIDTH / (points.length - 1) : 0;
  const y = (v: number) => (max === min ? HEIGHT / 2 : 2 + (HEIGHT - 4) * (1 - (v - min) / (max - min)));
  const segments: string[] = [];
  let current: string[] = [];
  points.forEach((p, i) => {
    if (p === null) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
      return;
    }
    current.push(`${Math.min(Math.max(i * step, 2), WIDTH - 2).toFixed(1)},${y(p).toFixed(1)}`);
  });
  if (current.length > 0) segments.push(current.join(' '));
  const lines = segments
    .map((s) =>
      s.includes(' ')
        ? `<polyline points="${s}"/>`
        : `<circle cx="${s.split(',')[0]}" cy="${s.split(',')[1]}" r="1.6"/>`,
    )
    .join('');
  return `<svg class="spark" viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>${lines}</svg>`;
}
