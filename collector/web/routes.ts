// GET /: the status page. `?page=N` pages through monitors (PAGE_SIZE per page, by name); the
// banner, the affected list and the incidents always cover every monitor.
import type { RoutePlugin } from '../api/route.ts';
import { apiErrorSchema } from '../http/errors.ts';
import { HOUR_MS, hourOf } from '../rollups/hourly.ts';
import { dailyUptime } from '../rollups/uptime.ts';
import { statusOf } from '../status/context.ts';
import { sendCached } from '../status/http.ts';
import { DEGRADED_STATES, DOWN_STATES, type MonitorStatus } from '../status/model.ts';
import { countsFrom, HISTORY_DAYS, type Rendered, render, type StatusSnapshot } from '../status/service.ts';
import type { StatusStore } from '../store/status-types.ts';
import { pageWindows } from './maintenance.ts';
import { type PageData, type PageIncident, type PageRow, renderPage } from './page.ts';

export const PAGE_SIZE = 100;
const RECENT_INCIDENTS = 20;

const byName = new WeakMap<StatusSnapshot, MonitorStatus[]>();

function sortedByName(snapshot: StatusSnapshot): MonitorStatus[] {
  let sorted = byName.get(snapshot);
  if (sorted === undefined) {
    const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
    sorted = [...snapshot.model.monitors].sort(
      (a, b) => collator.compare(a.name, b.name) || a.id.localeCompare(b.id),
    );
    byName.set(snapshot, sorted);
  }
  return sorted;
}

export async function pageData(
  snapshot: StatusSnapshot,
  store: StatusStore,
  title: string,
  page: number,
): Promise<PageData> {
  const now = snapshot.at;
  const sorted = sortedByName(snapshot);
  const pages = Math.max(1, Math.ceil(sorted.length / PAGE_SIZE));
  const current = Math.min(Math.max(1, page), pages);
  const slice = sorted.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE);

  const details = slice.map((m) => snapshot.byId.get(m.id)!);
  const firstHour = hourOf(now) - 23 * HOUR_MS;
  const points = await store.hourly(
    details.map((d) => d.entry.historyId),
    firstHour,
  );
  const spark = new Map<number, (number | null)[]>();
  for (const p of points) {
    let series = spark.get(p.historyId);
    if (series === undefined) {
      series = new Array<number | null>(24).fill(null);
      spark.set(p.historyId, series);
    }
    const index = (p.hour - firstHour) / HOUR_MS;
    if (index >= 0 && index < 24 && p.rollup.rtCount > 0) series[index] = p.rollup.rtSum / p.rollup.rtCount;
  }

  const rows: PageRow[] = details.map((d) => ({
    status: d.status,
    cells: dailyUptime(now, HISTORY_DAYS, countsFrom(d.entry), d.downtime, d.excluded),
    incidents: d.incidents,
    spark: spark.get(d.entry.historyId) ?? new Array<number | null>(24).fill(null),
  }));

  const nameOf = new Map<number, string>();
  for (const d of snapshot.byId.values()) nameOf.set(d.entry.historyId, d.status.name);
  const shown = snapshot.incidents.filter(
    (i) => i.kind === 'down' || i.kind === 'flapping' || i.kind === 'region',
  );
  const open = shown.filter((i) => i.resolvedAt === null);
  const recent = shown.filter((i) => i.resolvedAt !== null).slice(0, RECENT_INCIDENTS);
  const incidents: PageIncident[] = [...open, ...recent].map((incident) => ({
    incident,
    monitorName: incident.historyId === null ? null : (nameOf.get(incident.historyId) ?? null),
    issueUrl: snapshot.issueLinks.get(incident.id) ?? null,
  }));

  const affected = sorted.filter((m) => DOWN_STATES.has(m.state) || DEGRADED_STATES.has(m.state));
  affected.sort((a, b) => Number(DOWN_STATES.has(b.state)) - Number(DOWN_STATES.has(a.state)));
  return {
    title,
    now,
    overall: snapshot.model.overall,
    total: sorted.length,
    counts: snapshot.model.counts,
    affected,
    rows,
    incidents,
    maintenance: pageWindows(
      [...snapshot.byId.values()].map((d) => ({ name: d.status.name, maintenance: d.maintenance })),
      now,
    ),
    regions: snapshot.model.regions,
    page: current,
    pages,
  };
}

export const pageRoutes: RoutePlugin = async (app, ctx) => {
  const status = await statusOf(ctx);
  const title = ctx.config.statusTitle;
  // A page is rendered once per snapshot; page 1 (what people open) before the snapshot is served.
  const renderedPage = (snapshot: StatusSnapshot, page: number): Promise<Rendered> => {
    const key = `page:${page}`;
    let found = snapshot.rendered.get(key);
    if (found === undefined) {
      found = pageData(snapshot, status.service.store, title, page).then((data) => render(renderPage(data)));
      snapshot.rendered.set(key, found);
    }
    return found;
  };
  status.service.afterBuild.push(async (snapshot) => {
    await renderedPage(snapshot, 1);
  });
  app.get<{ Querystring: { page?: number } }>(
    '/',
    {
      onRequest: status.requireRead,
      schema: {
        summary: 'The status page: banner, monitors, maintenance, incidents',
        tags: ['status'],
        operationId: 'getStatusPage',
        // HTML, rendered before it is sent: declared by its media type (collector/openapi/document.ts).
        response: {
          200: {
            description: 'The page (no script).',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
          304: { description: 'Not modified (`If-None-Match` holds the ETag).', type: 'null' },
          400: apiErrorSchema,
          401: apiErrorSchema,
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { page: { type: 'integer', minimum: 1, maximum: 100_000 } },
        },
      },
    },
    async (request, reply) => {
      const snapshot = await status.service.snapshot();
      reply.header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:",
      );
      reply.header('x-content-type-options', 'nosniff');
      return sendCached(request, reply, {
        rendered: await renderedPage(snapshot, request.query.page ?? 1),
        type: 'text/html; charset=utf-8',
        isPublic: status.public,
        maxAgeMs: status.service.maxAgeMs,
      });
    },
  );
};
