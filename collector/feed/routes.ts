// GET /feed.atom: every incident (monitors and regions) as Atom; GET /feed/:id.atom: one monitor's
// (the URL style of the badges, /badge/:id.svg). Read access like the page (public, or the read
// token: collector/status/access.ts), an ETag per body, Cache-Control of the status snapshot.
// Links are absolute: on VIGIL_PUBLIC_URL when set, else on the address the request came to.
// The incidents are the snapshot's (the last 90 days and every open one); their issue links
// are read for the entries shown (the snapshot holds them for the 50 most recent only).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RoutePlugin } from '../api/route.ts';
import { apiErrorSchema, VigilError } from '../http/errors.ts';
import { statusOf } from '../status/context.ts';
import { sendCached } from '../status/http.ts';
import { type Rendered, render } from '../status/render.ts';
import type { StatusSnapshot } from '../status/service.ts';
import type { StatusStore } from '../store/status-types.ts';
import { changedAt, FEED_ENTRIES, type FeedIncident, renderAtom } from './atom.ts';

// Atom, rendered before it is sent: declared by its media type (collector/openapi/document.ts).
const feedResponses = {
  200: {
    description: 'Atom 1.0: one entry per incident, newest change first, at most 50.',
    content: { 'application/atom+xml': { schema: { type: 'string' } } },
  },
  304: { description: 'Not modified (`If-None-Match` holds the ETag).', type: 'null' },
  401: apiErrorSchema,
} as const;

const MONITOR_KINDS = new Set(['down', 'flapping']);
const ALL_KINDS = new Set(['down', 'flapping', 'region']);

async function feedBody(
  snapshot: StatusSnapshot,
  store: StatusStore,
  options: { title: string; base: string; monitor: string | null },
): Promise<Rendered> {
  const { base, monitor } = options;
  const detail = monitor === null ? null : snapshot.byId.get(monitor)!;
  const chosen = snapshot.incidents
    .filter((i) =>
      detail === null
        ? ALL_KINDS.has(i.kind)
        : i.historyId === detail.entry.historyId && MONITOR_KINDS.has(i.kind),
    )
    .sort((a, b) => changedAt(b) - changedAt(a) || a.id.localeCompare(b.id))
    .slice(0, FEED_ENTRIES);
  const links = await store.issueLinks(chosen.map((i) => i.id));
  const incidents: FeedIncident[] = chosen.map((incident) => ({
    incident,
    monitorName:
      incident.historyId === null ? null : (snapshot.byHistory.get(incident.historyId)?.status.name ?? null),
    issueUrl: links.get(incident.id) ?? null,
  }));
  const path = monitor === null ? 'feed.atom' : `feed/${encodeURIComponent(monitor)}.atom`;
  return render(
    renderAtom({
      title: detail === null ? `${options.title}: incidents` : `${detail.status.name}: incidents`,
      selfUrl: `${base}/${path}`,
      pageUrl: `${base}/`,
      now: snapshot.at,
      incidents,
    }),
  );
}

export const feedRoutes: RoutePlugin = async (app, ctx) => {
  const status = await statusOf(ctx);
  const title = ctx.config.statusTitle;
  const configured = ctx.config.publicUrl === null ? null : ctx.config.publicUrl.replace(/\/+$/, '');
  const baseOf = (request: FastifyRequest) => configured ?? `${request.protocol}://${request.host}`;

  const send = async (request: FastifyRequest, reply: FastifyReply, monitor: string | null) => {
    const snapshot = await status.service.snapshot();
    if (monitor !== null && !snapshot.byId.has(monitor)) {
      throw new VigilError('VIGIL_ERR_NOT_FOUND', `no monitor with id \`${monitor}\``);
    }
    const options = { title, base: baseOf(request), monitor };
    // Made once per snapshot when the base is configured; a base taken from the request's Host is
    // not cached (any client could fill the cache with hosts of its choosing).
    let rendered: Promise<Rendered>;
    if (configured === null) rendered = feedBody(snapshot, status.service.store, options);
    else {
      const key = `feed:${monitor ?? ''}`;
      let found = snapshot.rendered.get(key);
      if (found === undefined) {
        found = feedBody(snapshot, status.service.store, options);
        snapshot.rendered.set(key, found);
      }
      rendered = found;
    }
    return sendCached(request, reply, {
      rendered: await rendered,
      type: 'application/atom+xml; charset=utf-8',
      isPublic: status.public,
      maxAgeMs: status.service.maxAgeMs,
    });
  };

  app.get(
    '/feed.atom',
    {
      onRequest: status.requireRead,
      schema: {
        summary: 'Incidents of every monitor and region, as an Atom feed',
        tags: ['status'],
        operationId: 'getIncidentFeed',
        response: feedResponses,
      },
    },
    async (request, reply) => send(request, reply, null),
  );
  app.get<{ Params: { id: string } }>(
    '/feed/:id.atom',
    {
      onRequest: status.requireRead,
      schema: {
        summary: "One monitor's incidents, as an Atom feed",
        tags: ['status'],
        operationId: 'getMonitorIncidentFeed',
        response: { ...feedResponses, 400: apiErrorSchema, 404: apiErrorSchema },
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } },
        },
      },
    },
    async (request, reply) => send(request, reply, request.params.id),
  );
};
