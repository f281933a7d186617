// What the page says about maintenance and freshness: the "Maintenance" section (windows on now
// and starting within the look-ahead, 7 days, across every monitor, one line per window shared by
// the monitors it covers), a monitor's own "in maintenance until" pill and next window, and when
// it was last checked. Pure; times are computed at render time from the snapshot's `now`.
import { escapeHtml } from '../../common/escape.ts';
import { formatDurationForPeople } from '../../common/format.ts';
import { DAY_MS } from '../rollups/uptime.ts';
import type { MaintenanceNow, WindowTimes } from '../status/maintenance.ts';
import type { MonitorStatus } from '../status/model.ts';
import { formatAgo, formatDay, formatInstant, formatTime } from './format.ts';

/** One window on the page: its times and the monitors it covers (by name). */
export interface PageWindow {
  start: number;
  end: number;
  ongoing: boolean;
  monitors: string[];
}

/** Windows shown at most, and names listed per window before "and N more". */
const MAX_WINDOWS = 20;
const MAX_NAMES = 10;

/** The page's windows from every monitor's maintenance at `now`: ongoing first, then by start. */
export function pageWindows(
  monitors: Iterable<{ name: string; maintenance: MaintenanceNow }>,
  now: number,
): PageWindow[] {
  const byTimes = new Map<string, PageWindow>();
  const add = (w: WindowTimes, name: string) => {
    const key = `${w.start}/${w.end}`;
    let found = byTimes.get(key);
    if (found === undefined) {
      const start = Date.parse(w.start);
      found = { start, end: Date.parse(w.end), ongoing: start <= now, monitors: [] };
      byTimes.set(key, found);
    }
    found.monitors.push(name);
  };
  for (const m of monitors) {
    if (m.maintenance.ongoing !== null) add(m.maintenance.ongoing, m.name);
    for (const w of m.maintenance.upcoming) add(w, m.name);
  }
  const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
  const windows = [...byTimes.values()].sort(
    (a, b) => Number(b.ongoing) - Number(a.ongoing) || a.start - b.start || a.end - b.end,
  );
  for (const w of windows) w.monitors.sort(collator.compare);
  return windows;
}

/** "Jan 11, 03:00 – 04:00 UTC", or "Jan 11, 22:00 – Jan 12, 02:00 UTC" across midnight. */
export function span(start: number, end: number): string {
  const endText = formatTime(end);
  const sameDay = formatDay(start) === formatDay(end) && end - start < DAY_MS;
  return `${formatTime(start).slice(0, -4)} – ${sameDay ? endText.slice(-9) : endText}`;
}

export function maintenanceSection(windows: readonly PageWindow[], now: number): string {
  if (windows.length === 0) return '';
  const items = windows.slice(0, MAX_WINDOWS).map((w) => {
    const names = w.monitors.slice(0, MAX_NAMES).join(', ');
    const more = w.monitors.length > MAX_NAMES ? ` and ${w.monitors.length - MAX_NAMES} more` : '';
    const tag = w.ongoing
      ? '<span class="tag maint">in progress</span>'
      : '<span class="tag resolved">scheduled</span>';
    const when = w.ongoing
      ? `${span(w.start, w.end)} (ends in ${formatDurationForPeople(w.end - now)})`
      : `${span(w.start, w.end)} (in ${formatDurationForPeople(w.start - now)})`;
    return `<li>${tag} <strong>${escapeHtml(names)}${escapeHtml(more)}</strong><br><span class="muted">${escapeHtml(when)}</span></li>`;
  });
  const more =
    windows.length > MAX_WINDOWS
      ? `<li class="muted">and ${windows.length - MAX_WINDOWS} more windows</li>`
      : '';
  return `<h2>Maintenance</h2>
<ul class="incidents maintenance" aria-label="Maintenance, now and the next 7 days">${items.join('\n')}${more}</ul>`;
}

/** The pill in a monitor's head while a window is on. */
export function maintenancePill(m: MonitorStatus): string {
  const on = m.maintenance.ongoing;
  if (on === null) return '';
  return `<span class="maint" title="${escapeHtml(`Maintenance ${span(Date.parse(on.start), Date.parse(on.end))}`)}">In maintenance until ${escapeHtml(formatTime(Date.parse(on.end)))}</span>`;
}

/** The next window in a monitor's meta line, when one starts within the look-ahead. */
export function nextMaintenance(m: MonitorStatus): string {
  const next = m.maintenance.next;
  if (next === null) return '';
  return `<span class="next-maint">Maintenance ${escapeHtml(span(Date.parse(next.start), Date.parse(next.end)))}</span>`;
}

/** "checked 12s ago" with the exact time in its title, or "not checked yet". */
export function lastChecked(m: MonitorStatus, now: number): string {
  if (m.lastCheckAt === null) return '<span class="checked">not checked yet</span>';
  const at = Date.parse(m.lastCheckAt);
  return `<time class="checked" datetime="${escapeHtml(m.lastCheckAt)}" title="${escapeHtml(formatInstant(at))}">checked ${escapeHtml(formatAgo(now - at))}</time>`;
}
