// The text form of `vigil store copy`'s report: one line of totals, then rows per table on both
// sides, a mark on any table whose counts differ.
import type { CopyReport, TableCount } from '../../collector/store/copy.ts';

const group = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Rows per table as an aligned table: table, source, target, ok/MISMATCH. */
export function renderCounts(tables: readonly TableCount[]): string {
  const width = Math.max(5, ...tables.map((t) => t.table.length));
  const numbers = Math.max(6, ...tables.flatMap((t) => [group(t.source).length, group(t.target).length]));
  const line = (a: string, b: string, c: string, d: string) =>
    `${a.padEnd(width)}  ${b.padStart(numbers)}  ${c.padStart(numbers)}  ${d}`.trimEnd();
  const rows = tables.map((t) =>
    line(t.table, group(t.source), group(t.target), t.source === t.target ? 'ok' : 'MISMATCH'),
  );
  return `${[line('table', 'source', 'target', ''), ...rows].join('\n')}\n`;
}

export function renderCopyReport(report: CopyReport): string {
  const seconds = report.ms / 1000;
  const rate = seconds > 0 ? report.rows / seconds : report.rows;
  const replaced = report.replaced > 0 ? `, ${group(report.replaced)} rows of the target replaced` : '';
  return (
    `Copied ${report.from} to ${report.to}: ${group(report.rows)} rows in ${seconds.toFixed(1)} s ` +
    `(${group(rate)} rows/s)${replaced}; every table verified.\n\n${renderCounts(report.tables)}`
  );
}
