// The incident feeds (GET /feed.atom, GET /feed/:id.atom) on a real collector (SQLite file, the
// real engine and verdict, runners played over the protocol): parsed with fast-xml-parser, held
// to RFC 4287's required elements and RFC 3339 dates; an incident driven through the engine shows
// up open, and its resolution updates the same entry; XML special characters in a monitor name
// are escaped; access is the page's.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidUrn } from '../../collector/feed/atom.ts';
import type { SqliteStore } from '../../collector/store/sqlite/index.ts';
import { drive, type Harness, harness } from '../engine/harness.ts';
import { linkIssue } from '../status/world.ts';

const ATOM = 'http://www.w3.org/2005/Atom';
const NASTY = `Shop <&> "quoted" it's`;
const ISSUE = 'https://github.com/acme/status/issues/7';
/** RFC 3339 date-time (section 5.6), as Atom requires. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

interface Link {
  '@_rel'?: string;
  '@_href': string;
  '@_type'?: string;
}
interface Text {
  '#text'?: string;
  '@_type'?: string;
}
interface Entry {
  id: string;
  title: Text;
  updated: string;
  published?: string;
  link: Link[];
  content?: Text;
  author?: unknown;
}
interface AtomFeed {
  '@_xmlns': string;
  id: string;
  title: string;
  updated: string;
  author?: { name: string };
  link: Link[];
  entry?: Entry[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // CDATA sections become text, like any reader sees them.
  isArray: (name) => name === 'entry' || name === 'link',
  textNodeName: '#text',
  alwaysCreateTextNode: false,
  processEntities: true,
  htmlEntities: false,
  parseTagValue: false,
});

/** Parses and checks what RFC 4287 requires of a feed and of each entry. */
function parseFeed(xml: string): AtomFeed {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = parser.parse(xml) as { feed: AtomFeed };
  const feed = doc.feed;
  expect(feed['@_xmlns']).toBe(ATOM);
  expect(feed.id).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
  expect(typeof feed.title).toBe('string');
  expect(feed.updated).toMatch(RFC3339);
  const self = feed.link.find((l) => l['@_rel'] === 'self');
  expect(self?.['@_href']).toMatch(/^https?:\/\//);
  expect(feed.link.find((l) => l['@_rel'] === 'alternate')?.['@_href']).toMatch(/^https?:\/\/.*\/$/);
  const entries = feed.entry ?? [];
  // An author on the feed, or on every entry.
  expect(feed.author !== undefined || entries.every((e) => e.author !== undefined)).toBe(true);
  for (const e of entries) {
    expect(e.id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(e.title['#text']).toBeTruthy();
    expect(e.updated).toMatch(RFC3339);
    if (e.published !== undefined) expect(e.published).toMatch(RFC3339);
    expect(e.link.length > 0 || e.content !== undefined).toBe(true);
  }
  return feed;
}

/** A title or content typed html, as a reader shows it (entities decoded once). */
function shown(text: Text | undefined): string {
  const decoded = (text?.['#text'] ?? '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
  return decoded;
}

describe('incident feeds', { timeout: 300_000 }, () => {
  let h: Harness;
  let store: SqliteStore;
  const failing = new Set<string>();
  const behaviour = (_r: unknown, job: { monitorId: string }) => !failing.has(job.monitorId);

  beforeAll(async () => {
    h = await harness({ config: { statusMaxAgeMs: 0, retentionIntervalMs: 0, statusTitle: 'Acme & Co' } });
    store = h.app.vigil.store as SqliteStore;
    for (const region of ['r1', 'r2', 'r3']) await h.register(region);
    await h.sync([
      { id: 'shop', name: NASTY, url: 'https://shop.example.invalid/' },
      { id: 'web', name: 'Web site', url: 'https://www.example.invalid/' },
    ]);
    await drive(h, 30_000, behaviour);
  }, 300_000);
  afterAll(() => h?.destroy());

  it('serves an empty but valid feed before any incident', async () => {
    const response = await h.get('/feed.atom');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(response.headers.etag).toBeTruthy();
    const feed = parseFeed(response.body);
    expect(feed.entry ?? []).toEqual([]);
    expect(feed.title).toBe('Acme & Co: incidents');
    expect(response.body).toContain('<title>Acme &amp; Co: incidents</title>');
    expect(feed.link.find((l) => l['@_rel'] === 'self')!['@_href']).toBe('http://localhost/feed.atom');
  });

  it('shows an incident driven through the engine, and its resolution updates the entry', async () => {
    failing.add('shop');
    await drive(h, 150_000, behaviour);
    const row = await store.db.reader.get<{ id: string; start_at: number }>(
      "SELECT id, start_at FROM incidents WHERE monitor_id = 'shop' AND resolved_at IS NULL",
    );
    expect(row).toBeDefined();
    await linkIssue(store, row!.id, ISSUE, h.clock.now());

    const open = parseFeed((await h.get('/feed.atom')).body);
    expect(open.entry).toHaveLength(1);
    const entry = open.entry![0]!;
    expect(entry.id).toBe(uuidUrn(`incident:${row!.id}`));
    expect(entry.updated).toBe(new Date(row!.start_at).toISOString());
    expect(entry.published).toBe(new Date(row!.start_at).toISOString());
    expect(open.updated).toBe(entry.updated);
    expect(shown(entry.title)).toBe(`${NASTY} is down (bad status)`);
    expect(entry.link[0]!['@_href']).toBe(ISSUE);
    const content = shown(entry.content);
    expect(content).toContain('State:</strong> ongoing');
    expect(content).toContain(`Started:</strong> ${new Date(row!.start_at).toISOString()}`);
    expect(content).toContain(`href="${ISSUE}"`);
    // The name is text, never markup: escaped in the CDATA that is typed html.
    expect(entry.title['#text']).toContain('Shop &lt;&amp;&gt; &quot;quoted&quot; it&#39;s');
    expect((await h.get('/feed.atom')).body).not.toContain('<&>');

    failing.delete('shop');
    await drive(h, 240_000, behaviour);
    const resolved = await store.db.reader.get<{ resolved_at: number; end_at: number }>(
      'SELECT resolved_at, end_at FROM incidents WHERE id = ?',
      [row!.id],
    );
    expect(resolved!.resolved_at).not.toBeNull();
    const after = parseFeed((await h.get('/feed.atom')).body);
    expect(after.entry).toHaveLength(1);
    const again = after.entry![0]!;
    expect(again.id).toBe(entry.id);
    expect(again.updated).toBe(new Date(resolved!.resolved_at).toISOString());
    expect(Date.parse(again.updated)).toBeGreaterThan(Date.parse(entry.updated));
    expect(after.updated).toBe(again.updated);
    expect(shown(again.title)).toMatch(
      new RegExp(`^Resolved: ${NASTY.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was down for \\d`),
    );
    const text = shown(again.content);
    expect(text).toContain('State:</strong> resolved');
    expect(text).toContain(`Ended:</strong> ${new Date(resolved!.end_at).toISOString()}`);
    expect(text).toContain('Duration:</strong> ');
  });

  it("gives one monitor's feed at /feed/:id.atom, and 404 for an unknown monitor", async () => {
    const shop = await h.get('/feed/shop.atom');
    expect(shop.statusCode).toBe(200);
    const feed = parseFeed(shop.body);
    expect(feed.entry).toHaveLength(1);
    expect(feed.title).toBe(`${NASTY}: incidents`);
    expect(feed.link.find((l) => l['@_rel'] === 'self')!['@_href']).toBe('http://localhost/feed/shop.atom');
    const web = parseFeed((await h.get('/feed/web.atom')).body);
    expect(web.entry ?? []).toEqual([]);
    const missing = await h.get('/feed/nope.atom');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('VIGIL_ERR_NOT_FOUND');
    // Conditional GET like the page.
    const etag = shop.headers.etag as string;
    const again = await h.app.inject({
      method: 'GET',
      url: '/feed/shop.atom',
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
  });

  it('is linked from the page (head and a visible link)', async () => {
    const page = (await h.get('/')).body;
    expect(page).toContain('<link rel="alternate" type="application/atom+xml"');
    expect(page).toMatch(
      /<link rel="alternate" type="application\/atom\+xml" title="[^"]*" href="feed\.atom">/,
    );
    expect(page).toMatch(/<a href="feed\.atom"[^>]*>Atom feed<\/a>/);
    expect(page).toContain('href="feed/shop.atom"');
  });
});

describe('incident feeds: access and public URL', { timeout: 120_000 }, () => {
  it('follows the page: 401 without the read token when private; absolute links on VIGIL_PUBLIC_URL', async () => {
    const h = await harness({
      config: {
        statusMaxAgeMs: 0,
        retentionIntervalMs: 0,
        statusPublic: false,
        statusToken: 'read-token-for-feeds-0123',
        publicUrl: 'https://status.example.com/acme/',
      },
    });
    try {
      await h.sync([{ id: 'api', name: 'API', url: 'https://api.example.invalid/' }]);
      for (const url of ['/feed.atom', '/feed/api.atom']) {
        expect((await h.get(url)).statusCode, url).toBe(401);
        const ok = await h.app.inject({
          method: 'GET',
          url,
          headers: { authorization: 'Bearer read-token-for-feeds-0123' },
        });
        expect(ok.statusCode, url).toBe(200);
        expect(ok.headers['cache-control']).toMatch(/^private/);
        const feed = parseFeed(ok.body);
        expect(feed.link.find((l) => l['@_rel'] === 'self')!['@_href']).toBe(
          `https://status.example.com/acme/${url.slice(1)}`,
        );
        expect(feed.link.find((l) => l['@_rel'] === 'alternate')!['@_href']).toBe(
          'https://status.example.com/acme/',
        );
        expect((await h.get(url, true)).statusCode).toBe(200);
      }
    } finally {
      await h.destroy();
    }
  });
});
