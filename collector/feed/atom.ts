// Incidents as an Atom 1.0 feed (RFC 4287), made with the `feed` package. Pure: everything comes
// in as FeedInput (collector/feed/routes.ts gathers it from the status snapshot).
//
// One entry per incident, newest change first, at most FEED_ENTRIES. An entry's `updated` is its
// latest change: the start while it is open, the resolution once resolved, so a reader sees the
// entry again when the incident ends. Its `id` is a name-based UUID of the incident id, stable
// across restarts, renames of the page and changes of VIGIL_PUBLIC_URL. An open incident's text
// says "since" rather than a running duration, so the body changes only when the incident does.
//
// Escaping: `feed` writes entry titles and content as CDATA typed `html`, so they are given as
// HTML with every user text through escapeHtml (a reader decodes `&lt;` back to `<`; a `]]>`
// cannot occur, since `>` is always escaped); feed-level text is escaped by its XML writer. Text
// is first cleared of characters XML 1.0 cannot hold at all (control characters).
import { createHash } from 'node:crypto';
import { Feed } from 'feed';
import { escapeHtml } from '../../common/escape.ts';
import { formatDurationForPeople } from '../../common/format.ts';
import type { IncidentEntry } from '../store/status-types.ts';
import { formatReason } from '../web/format.ts';

export const FEED_ENTRIES = 50;

export interface FeedIncident {
  incident: IncidentEntry;
  /** Null for a region incident, or a monitor no longer in the catalog. */
  monitorName: string | null;
  issueUrl: string | null;
}

export interface FeedInput {
  /** The feed's title (the page's title, and what it is about). */
  title: string;
  /** Absolute URL of this feed (rel=self). */
  selfUrl: string;
  /** Absolute URL of the status page (rel=alternate, and the link of entries with no issue). */
  pageUrl: string;
  /** Used as `updated` when there is no entry. */
  now: number;
  incidents: readonly FeedIncident[];
}

/** Characters XML 1.0 does not allow anywhere, even escaped. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function xmlText(text: string): string {
  return text.replace(NOT_XML, '\uFFFD');
}

/** HTML for a CDATA section typed html: escaped text, no character XML refuses. */
function html(text: string): string {
  return escapeHtml(xmlText(text));
}

/** A name-based (version 5 layout, SHA-1) UUID URN: the same name always gives the same id. */
export function uuidUrn(name: string): string {
  const hex = createHash('sha1').update(`vigil:${name}`).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The time an incident last changed: resolved, else started. */
export function changedAt(incident: IncidentEntry): number {
  return incident.resolvedAt ?? incident.start;
}

function subjectOf(item: FeedIncident): string {
  const i = item.incident;
  if (i.kind === 'region') return `Region ${i.region ?? ''}`;
  return item.monitorName ?? 'A removed monitor';
}

/** "Public API is down (connection refused)" / "Resolved: Public API was down for 12m (...)". */
export function entryTitle(item: FeedIncident): string {
  const i = item.incident;
  const open = i.resolvedAt === null;
  const subject = subjectOf(item);
  const what = i.kind === 'flapping' ? 'unstable' : i.kind === 'region' ? 'impaired' : 'down';
  const why = i.kind === 'down' ? ` (${formatReason(i.reason)})` : '';
  const during = i.suppressed ? ' during maintenance' : '';
  if (open) return `${subject} is ${what}${why}${during}`;
  const end = i.end ?? i.resolvedAt!;
  return `Resolved: ${subject} was ${what} for ${formatDurationForPeople(end - i.start)}${why}${during}`;
}

function entryContent(item: FeedIncident): string {
  const i = item.incident;
  const open = i.resolvedAt === null;
  const end = i.end ?? i.resolvedAt;
  const rows: Array<[string, string]> = [
    ['State', open ? 'ongoing' : 'resolved'],
    [i.kind === 'region' ? 'Region' : 'Monitor', i.kind === 'region' ? (i.region ?? '') : subjectOf(item)],
    ['Kind', i.kind],
    ['Started', new Date(i.start).toISOString()],
  ];
  if (!open && end !== null) {
    rows.push(['Ended', new Date(end).toISOString()]);
    rows.push(['Duration', formatDurationForPeople(end - i.start)]);
  }
  if (i.kind === 'down') rows.push(['Reason', formatReason(i.reason)]);
  if (i.suppressed) rows.push(['Note', 'inside a maintenance window: recorded, not announced']);
  const list = rows.map(([k, v]) => `<li><strong>${html(k)}:</strong> ${html(v)}</li>`).join('');
  const issue = item.issueUrl === null ? '' : `<p><a href="${html(item.issueUrl)}">GitHub issue</a></p>`;
  return `<ul>${list}</ul>${issue}`;
}

/** The Atom document for these incidents (any order in; newest change first out). */
export function renderAtom(input: FeedInput): string {
  const items = [...input.incidents]
    .sort(
      (a, b) => changedAt(b.incident) - changedAt(a.incident) || a.incident.id.localeCompare(b.incident.id),
    )
    .slice(0, FEED_ENTRIES);
  const updated = items.length === 0 ? input.now : changedAt(items[0]!.incident);
  const feed = new Feed({
    id: uuidUrn(`feed:${input.selfUrl}`),
    title: xmlText(input.title),
    updated: new Date(updated),
    generator: false,
    link: input.pageUrl,
    feedLinks: { atom: input.selfUrl },
    author: { name: xmlText(input.title) },
  });
  for (const item of items) {
    const i = item.incident;
    feed.addItem({
      id: uuidUrn(`incident:${i.id}`),
      title: html(entryTitle(item)),
      link: item.issueUrl ?? input.pageUrl,
      date: new Date(changedAt(i)),
      published: new Date(i.start),
      content: entryContent(item),
    });
  }
  return feed.atom1();
}
