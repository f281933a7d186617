// The status page as one HTML string: no script, no external request. Pure: everything it shows
// comes in as PageData (see routes.ts for how it is gathered from the status snapshot).
//
// Order of what a person reads: the banner (all up / partial / major outage), then what is down
// now with since-when and the issue link, then every monitor (state, 90-day uptime, bar, 24-hour
// response sparkline, last result per region, when it was last checked), maintenance windows on
// now and coming up, then open and recent incidents. The incident feeds (collector/feed/) are
// linked from the head and the footer, and each monitor's from its row.

import { escapeHtml } from '../../common/escape.ts';
import { formatDurationForPeople } from '../../common/format.ts';
import type { DayUptime } from '../rollups/uptime.ts';
import type { MonitorStatus, Overall, RegionSummary } from '../status/model.ts';
import type { IncidentEntry } from '../store/status-types.ts';
import { barDefs, renderBar } from './bar.ts';
import { displayUrl, formatMs, formatReason, formatTime, formatUptime } from './format.ts';
import {
  lastChecked,
  maintenancePill,
  maintenanceSection,
  nextMaintenance,
  type PageWindow,
} from './maintenance.ts';
import { renderSparkline } from './sparkline.ts';
import { STYLES } from './styles.ts';

export interface PageRow {
  status: MonitorStatus;
  cells: DayUptime[];
  incidents: IncidentEntry[];
  /** Hourly mean response times of the last 24 hours, oldest first (null: no measured check). */
  spark: (number | null)[];
}

export interface PageIncident {
  incident: IncidentEntry;
  monitorName: string | null;
  issueUrl: string | null;
}

export interface PageData {
  title: string;
  now: number;
  overall: Overall;
  total: number;
  counts: Record<string, number>;
  /** Monitors in an outage (down, recovering, flapping), across all pages. */
  affected: MonitorStatus[];
  rows: PageRow[];
  incidents: PageIncident[];
  /** Maintenance windows on now and within the next 7 days, across all pages. */
  maintenance: PageWindow[];
  regions: RegionSummary[];
  page: number;
  pages: number;
}

const BANNER: Record<Overall, string> = {
  operational: 'All systems operational',
  degraded: 'Some systems are unstable',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  unknown: 'No data yet',
};

const STATE_LABEL: Record<string, string> = {
  up: 'Operational',
  verifying: 'Checking',
  down: 'Down',
  recovering: 'Recovering',
  flapping: 'Unstable',
  paused: 'Paused',
  // Its uptime figure says "No data yet": the pill says why.
  pending: 'Pending',
};

export function stateLabel(state: string): string {
  return STATE_LABEL[state] ?? state;
}

function issueLink(url: string | null): string {
  if (url === null) return '';
  const number = /\/issues\/(\d+)/.exec(url)?.[1];
  return ` · <a href="${escapeHtml(url)}" rel="noopener">${number === undefined ? 'issue' : `issue #${escapeHtml(number)}`}</a>`;
}

function bannerDetail(data: PageData): string {
  const down = (data.counts.down ?? 0) + (data.counts.recovering ?? 0);
  if (data.overall === 'operational') return `${data.total} monitor${data.total === 1 ? '' : 's'} up`;
  if (down > 0) return `${down} of ${data.total} monitor${data.total === 1 ? '' : 's'} down`;
  if (data.overall === 'degraded') return `${data.counts.flapping ?? 0} unstable`;
  return `${data.total} monitor${data.total === 1 ? '' : 's'}`;
}

function affectedList(data: PageData): string {
  if (data.affected.length === 0) return '';
  const items = data.affected.slice(0, 50).map((m) => {
    const since = m.since === null ? null : Date.parse(m.since);
    const start = m.incident === null ? since : Date.parse(m.incident.start);
    const when =
      start === null ? '' : ` since ${formatTime(start)} (${formatDurationForPeople(data.now - start)})`;
    const reason = m.incident?.reason ?? null;
    return `<li class="${escapeHtml(m.state)}"><strong>${escapeHtml(m.name)}</strong> — ${escapeHtml(stateLabel(m.state).toLowerCase())}${escapeHtml(when)}${
      reason === null ? '' : ` · ${escapeHtml(formatReason(reason))}`
    }${issueLink(m.incident?.issueUrl ?? null)}</li>`;
  });
  const more = data.affected.length > 50 ? `<li>and ${data.affected.length - 50} more</li>` : '';
  return `<ul class="down-now" aria-label="Affected now">${items.join('')}${more}</ul>`;
}

function regionsLine(status: MonitorStatus): string {
  if (status.regions.length === 0) return '';
  return status.regions
    .map((r) => {
      const what = r.ok ? formatMs(r.responseTimeMs) : formatReason(r.reason);
      const mark = r.mark === null ? '' : ` (${r.mark})`;
      return `<span class="region${r.ok ? '' : ' fail'}" title="${escapeHtml(`${r.region}: ${r.message} at ${formatTime(Date.parse(r.at))}`)}">${r.ok ? '✓' : '✗'} ${escapeHtml(r.region)} ${escapeHtml(what)}${escapeHtml(mark)}</span>`;
    })
    .join('');
}

function monitorRow(row: PageRow, now: number): string {
  const m = row.status;
  const url = displayUrl(m.url);
  const uptime90 = m.uptime['90d'];
  // Before the first result there is no figure to give, not a 0% nor a dash. (A monitor checked
  // only inside maintenance or while paused has results but no counted time: a dash.)
  const up =
    uptime90 === null && m.lastCheckAt === null
      ? '<span class="up none">No data yet</span>'
      : `<span class="up" title="Uptime, last 90 days">${escapeHtml(formatUptime(uptime90))}</span>`;
  const spark = renderSparkline(
    row.spark,
    `Response time, last 24 hours: mean ${formatMs(m.responseTime.meanMs)}, p95 ${formatMs(m.responseTime.p95Ms)}`,
  );
  return `<li class="monitor s-${escapeHtml(m.state)}" data-monitor="${escapeHtml(m.id)}">
<div class="head"><span class="dot" aria-hidden="true"></span><span class="name">${escapeHtml(m.name)}</span><span class="state">${escapeHtml(stateLabel(m.state))}</span>${maintenancePill(m)}${up}</div>
${url === null ? '' : `<div class="url">${escapeHtml(url)}</div>`}
${renderBar(row.cells, row.incidents, now, `${m.name}: uptime per day, last 90 days`)}
<div class="axis"><span>90 days ago</span><span>${escapeHtml(formatUptime(m.uptime['24h']))} 24 h · ${escapeHtml(formatUptime(m.uptime['30d']))} 30 d</span><span>today</span></div>
<div class="meta">${lastChecked(m, now)}<span class="rt">${spark}<span>${escapeHtml(formatMs(m.responseTime.meanMs))} avg · ${escapeHtml(formatMs(m.responseTime.p95Ms))} p95</span></span>${regionsLine(m)}${nextMaintenance(m)}<a class="feed" href="feed/${encodeURIComponent(m.id)}.atom" title="${escapeHtml(`Atom feed of ${m.name} incidents`)}">incident feed</a></div>
</li>`;
}

function incidentItem(item: PageIncident, now: number): string {
  const i = item.incident;
  const open = i.resolvedAt === null;
  const end = i.end ?? now;
  const subject = i.kind === 'region' ? `Region ${i.region ?? ''} impaired` : (item.monitorName ?? 'monitor');
  const what =
    i.kind === 'flapping' ? 'flapping' : i.kind === 'region' ? 'checks set aside' : formatReason(i.reason);
  const span = open
    ? `since ${formatTime(i.start)} (${formatDurationForPeople(now - i.start)})`
    : `${formatTime(i.start)} – ${formatTime(end)} (${formatDurationForPeople(end - i.start)})`;
  return `<li><span class="tag${open ? '' : ' resolved'}">${open ? 'ongoing' : 'resolved'}</span> <strong>${escapeHtml(subject)}</strong> — ${escapeHtml(what)}<br><span class="muted">${escapeHtml(span)}${i.suppressed ? ' · during maintenance' : ''}</span>${issueLink(item.issueUrl)}</li>`;
}

function pager(data: PageData): string {
  if (data.pages <= 1) return '';
  const prev = data.page > 1 ? `<a href="?page=${data.page - 1}">← previous</a>` : '<span></span>';
  const next = data.page < data.pages ? `<a href="?page=${data.page + 1}">next →</a>` : '<span></span>';
  return `<nav class="pages">${prev}<span class="muted">page ${data.page} of ${data.pages}</span>${next}</nav>`;
}

/** The banner's colour for each overall state (styles.ts, light scheme). */
const ICON_COLOURS: Record<Overall, string> = {
  operational: '#1f9d55',
  degraded: '#c9a100',
  unknown: '#c9a100',
  partial_outage: '#e07b00',
  major_outage: '#d1293d',
};

/**
 * The tab icon: a dot in the overall state's colour, inline (a data: URL), so a tab shows the
 * state at a glance and the browser never asks for /favicon.ico (a 404 on every load before, and
 * behind the read token when the page is private).
 */
export function faviconHref(overall: Overall): string {
  const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><circle cx='8' cy='8' r='7' fill='${ICON_COLOURS[overall]}'/></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

export function renderPage(data: PageData): string {
  const regions = data.regions
    .map((r) => `${escapeHtml(r.region)}${r.impaired ? ' (impaired)' : r.online === 0 ? ' (offline)' : ''}`)
    .join(', ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(BANNER[data.overall])} · ${escapeHtml(data.title)}</title>
<link rel="icon" href="${faviconHref(data.overall)}">
<link rel="alternate" type="application/atom+xml" title="${escapeHtml(`${data.title}: incidents`)}" href="feed.atom">
<style>${STYLES}</style>
</head>
<body>
${barDefs()}
<main>
<header><h1>${escapeHtml(data.title)}</h1><span class="muted">Updated ${escapeHtml(formatTime(data.now))}</span></header>
<section class="banner ${data.overall}" role="status"><span>${escapeHtml(BANNER[data.overall])}</span><small>${escapeHtml(bannerDetail(data))}</small></section>
${affectedList(data)}
<h2>Monitors</h2>
${data.rows.length === 0 ? '<p class="muted">No monitors yet.</p>' : `<ul class="monitors">${data.rows.map((r) => monitorRow(r, data.now)).join('\n')}</ul>`}
${pager(data)}
${maintenanceSection(data.maintenance, data.now)}
<h2>Incidents</h2>
${data.incidents.length === 0 ? '<p class="muted">No incidents in the last 90 days.</p>' : `<ul class="incidents">${data.incidents.map((i) => incidentItem(i, data.now)).join('\n')}</ul>`}
<footer>${regions === '' ? '' : `Checked from ${regions} · `}<a href="v1/status">JSON</a> · <a href="feed.atom" type="application/atom+xml">Atom feed</a> · Vigil</footer>
</main>
</body>
</html>`;
}
