// The 90-day uptime bar: one cell per UTC day, coloured by that day's uptime, each with a tooltip
// (SVG <title>) giving the day, its uptime and its incidents. Runs of quiet days (100%, or no data)
// are drawn as one rectangle filled with a one-cell pattern: it looks the same as separate cells
// and keeps a 10,000-monitor page small.

import { escapeHtml } from '../../common/escape.ts';
import { formatDurationForPeople } from '../../common/format.ts';
import type { DayUptime } from '../rollups/uptime.ts';
import { DAY_MS } from '../rollups/uptime.ts';
import type { IncidentEntry } from '../store/status-types.ts';
import { formatDay, formatReason, formatUptime } from './format.ts';

export type CellClass = 'ok' | 'warn' | 'bad' | 'down' | 'none';

export function cellClass(ratio: number | null): CellClass {
  if (ratio === null) return 'none';
  if (ratio >= 0.9995) return 'ok';
  if (ratio >= 0.99) return 'warn';
  if (ratio >= 0.95) return 'bad';
  return 'down';
}

/** Shared <defs> for every bar of the page (one pattern per colour). */
export function barDefs(): string {
  const patterns = (['ok', 'warn', 'bad', 'down', 'none'] as const)
    .map(
      (c) =>
        `<pattern id="vd-${c}" width="1" height="10" patternUnits="userSpaceOnUse"><rect width="0.78" height="10" class="c-${c}"/></pattern>`,
    )
    .join('');
  return `<svg class="defs" width="0" height="0" aria-hidden="true"><defs>${patterns}</defs></svg>`;
}

function incidentLine(incident: IncidentEntry, now: number): string {
  const end = incident.end ?? now;
  const what = incident.kind === 'flapping' ? 'flapping' : formatReason(incident.reason);
  return `${incident.kind === 'down' ? 'down' : incident.kind} ${formatDurationForPeople(end - incident.start)}: ${what}`;
}

/**
 * `cells` oldest first (from dailyUptime); `incidents` of the monitor (any order).
 */
export function renderBar(
  cells: readonly DayUptime[],
  incidents: readonly IncidentEntry[],
  now: number,
  label: string,
): string {
  const perDay = new Map<number, IncidentEntry[]>();
  for (const incident of incidents) {
    if (incident.kind !== 'down' && incident.kind !== 'flapping') continue;
    const end = incident.end ?? now;
    for (let day = Math.floor(incident.start / DAY_MS) * DAY_MS; day <= end; day += DAY_MS) {
      let list = perDay.get(day);
      if (list === undefined) {
        list = [];
        perDay.set(day, list);
      }
      list.push(incident);
    }
  }
  const parts: string[] = [];
  let i = 0;
  while (i < cells.length) {
    const cell = cells[i]!;
    const cls = cellClass(cell.ratio);
    const dayIncidents = perDay.get(cell.day) ?? [];
    if ((cls === 'ok' || cls === 'none') && dayIncidents.length === 0) {
      let j = i + 1;
      while (j < cells.length && cellClass(cells[j]!.ratio) === cls && !perDay.has(cells[j]!.day)) j++;
      const first = formatDay(cell.day);
      const last = formatDay(cells[j - 1]!.day);
      const range = j - i === 1 ? first : `${first} – ${last}`;
      const text = cls === 'ok' ? `${range}: 100% uptime, no incidents` : `${range}: no data`;
      parts.push(
        `<rect x="${i}" width="${j - i}" height="10" fill="url(#vd-${cls})"><title>${escapeHtml(text)}</title></rect>`,
      );
      i = j;
      continue;
    }
    const lines = [
      `${formatDay(cell.day)}: ${formatUptime(cell.ratio === null ? null : cell.ratio * 100)} uptime`,
    ];
    if (dayIncidents.length === 0) lines.push('no incidents');
    for (const incident of dayIncidents) lines.push(incidentLine(incident, now));
    parts.push(
      `<rect x="${i}" width="0.78" height="10" class="c-${cls}"><title>${escapeHtml(lines.join('\n'))}</title></rect>`,
    );
    i++;
  }
  return `<svg class="bar" viewBox="0 0 ${cells.length} 10" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(label)}">${parts.join('')}</svg>`;
}
