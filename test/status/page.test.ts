// The status page in headless Chromium (Debian's package, via playwright-core) against a real
// collector on loopback, with screenshots in test-artifacts/ and assertions on what a person sees.
// Badges are parsed by Chromium's XML parser (DOMParser, image/svg+xml) and rendered as images.
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../collector/rollups/hourly.ts';
import { formatMs } from '../../collector/web/format.ts';
import { faviconHref } from '../../collector/web/page.ts';
import { type Browser, launchChromium } from '../support/chromium.ts';
import { ISSUE_URL, SECRET_VALUE, type World, world } from './world.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

// A browser and a collector on a two-core machine: a few seconds per test idle, more when loaded.
describe('status page in Chromium', { timeout: 120_000 }, () => {
  let w: World;
  let url: string;
  let browser: Browser;
  let scripted: Browser;
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    w = await world();
    await w.h.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(w.h.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium({ javaScriptEnabled: false });
    scripted = await launchChromium();
  }, 15 * 60_000);
  afterAll(async () => {
    await browser?.close();
    await scripted?.close();
    await w?.h.destroy();
  });

  it('shows in two seconds what is down, since when, and where the issue is (JavaScript off)', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1000, height: 900 });
    // Every request the load makes succeeds (a /favicon.ico 404 on every load before).
    const failed: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    const response = await page.goto(`${url}/`);
    expect(response!.status()).toBe(200);
    await page.waitForLoadState('networkidle');
    expect(failed).toEqual([]);
    // The tab icon is a dot in the banner's colour (partial outage: orange).
    expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe(faviconHref('partial_outage'));
    expect(decodeURIComponent(faviconHref('partial_outage'))).toContain("fill='#e07b00'");
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });

    await expect(page.locator('.banner').innerText()).resolves.toMatch(
      /Partial outage\s+1 of 4 monitors down/,
    );
    const affected = page.locator('.down-now li');
    expect(await affected.count()).toBe(1);
    const text = await affected.first().innerText();
    expect(text).toContain('Public API');
    expect(text).toContain(
      `since ${new Date(w.apiDownSince).toISOString().slice(11, 16)} UTC`.replace('since ', 'since Jan 5, '),
    );
    const link = affected.first().locator('a');
    expect(await link.innerText()).toBe('issue #42');
    expect(await link.getAttribute('href')).toBe(ISSUE_URL);

    const rows = page.locator('li.monitor');
    expect(await rows.count()).toBe(4);
    const visible: Array<{ name: string; state: string; uptime: string; height: number }> = [];
    for (const row of await rows.all()) {
      visible.push({
        name: await row.locator('.name').innerText(),
        state: await row.locator('.state').innerText(),
        uptime: await row.locator('.up').innerText(),
        height: (await row.boundingBox())!.height,
      });
    }
    expect(visible.map((r) => [r.name, r.state])).toEqual([
      ['Blog', 'Paused'],
      ['Public API', 'Down'],
      ['Shop', 'Operational'],
      ['Web site', 'Operational'],
    ]);
    for (const row of visible) expect(row.height).toBeGreaterThan(40);
    expect(visible.find((r) => r.name === 'Web site')!.uptime).toBe('99.90%');

    // One bar cell per day: 90 days, quiet runs merged; the incident across midnight shows on
    // both days with its own tooltip.
    const web = page.locator('li.monitor[data-monitor="web"] svg.bar');
    expect(await web.getAttribute('viewBox')).toBe('0 0 90 10');
    const titles = await web.locator('title').allTextContents();
    const hit = titles.filter((t) => t.includes('down 2h: timeout'));
    expect(hit).toHaveLength(2);
    for (const t of hit) expect(t).toContain('95.83% uptime');
    expect(titles.some((t) => /100% uptime, no incidents/.test(t))).toBe(true);
    // The sparkline is there, with its figures.
    expect(await page.locator('li.monitor[data-monitor="web"] svg.spark polyline').count()).toBeGreaterThan(
      0,
    );
    expect(await page.locator('li.monitor[data-monitor="web"] .rt').innerText()).toMatch(
      /ms avg · \d+ms p95/,
    );

    // Incidents: the open one first, linked; resolved ones after.
    const incidents = await page.locator('ul.incidents li').allInnerTexts();
    expect(incidents[0]).toMatch(/^ongoing Public API/);
    expect(incidents.some((t) => t.startsWith('resolved Web site'))).toBe(true);

    const html = await page.content();
    expect(html).not.toContain(SECRET_VALUE);
    expect(html).not.toContain('api.example.invalid');
    expect(html).toContain('https://www.example.invalid');
    expect(html).not.toContain('<script');
    await page.close();
  });

  it('fits a phone and follows the dark colour scheme', async () => {
    const page = await scripted.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}/`);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-phone.png'), fullPage: true });
    // Browser-side expressions are strings: this project type-checks without the DOM library.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-dark.png'), fullPage: false });
    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(15, 18, 22)');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')).toBe(
      'rgb(246, 247, 249)',
    );
    await page.close();
  });

  it('badges are well-formed SVG that render, and the endpoint JSON is what shields.io reads', async () => {
    const kinds = [
      '/badge/api.svg',
      '/badge/web.svg?type=uptime&window=7d',
      '/badge/web.svg?type=response',
      '/badge/shop.svg?type=uptime&label=Shop%20%26%20%3Cco%3E',
      '/badge/nope.svg',
    ];
    const svgs: string[] = [];
    for (const kind of kinds) {
      const response = await w.h.get(kind);
      expect(response.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
      expect(response.statusCode).toBe(kind.includes('nope') ? 404 : 200);
      svgs.push(response.body);
    }
    const page = await scripted.context.newPage();
    // Chromium's XML parser: a malformed document yields a <parsererror> element.
    type Parsed = { error: boolean; root: string; ns: string | null; width: number; title: string | null };
    const parsed = await page.evaluate<Parsed[]>(`(${JSON.stringify(svgs)}).map((svg) => {
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      const root = doc.documentElement;
      const title = root.querySelector('title');
      return {
        error: doc.getElementsByTagName('parsererror').length > 0,
        root: root.localName,
        ns: root.namespaceURI,
        width: Number(root.getAttribute('width')),
        title: title ? title.textContent : null,
      };
    })`);
    expect(parsed.map((p) => p.error)).toEqual([false, false, false, false, false]);
    expect(parsed.every((p) => p.root === 'svg' && p.ns === 'http://www.w3.org/2000/svg')).toBe(true);
    expect(parsed.map((p) => p.title)).toEqual([
      'Public API: down',
      'uptime 7d: 98.80%',
      expect.stringMatching(/^response 24h: \d+ms$/),
      'Shop & <co>: 100%',
      'vigil: not found',
    ]);
    // Wider text makes a wider badge.
    expect(parsed[3]!.width).toBeGreaterThan(parsed[4]!.width);

    await page.setContent(
      `<body style="background:#fff">${kinds.map((k) => `<p><img src="${url}${k}"></p>`).join('')}</body>`,
    );
    await page.waitForLoadState('networkidle');
    const sizes = await page.evaluate<Array<[number, number]>>(
      '[...document.images].map((img) => [img.naturalWidth, img.naturalHeight])',
    );
    for (const [width, height] of sizes) {
      expect(width).toBeGreaterThan(40);
      expect(height).toBe(20);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'badges.png') });
    await page.close();

    const json = await w.h.get('/badge/web.json?type=uptime&window=30d');
    expect(json.json()).toEqual({
      schemaVersion: 1,
      label: 'uptime 30d',
      message: '99.72%',
      color: '97ca00',
      cacheSeconds: 0,
    });
    expect((await w.h.get('/badge/nope.json')).statusCode).toBe(404);
    // Response time over longer windows comes from the hourly rollups: slow hours two days ago
    // count for 7d, not for 24h.
    const hid = (await w.store.db.reader.get<{ history_id: number }>(
      "SELECT history_id FROM monitors WHERE id = 'web'",
    ))!.history_id;
    const nowHour = Math.floor(w.h.clock.now() / HOUR_MS) * HOUR_MS;
    await w.store.db.write(async (tx) => {
      for (let i = 48; i < 54; i++) {
        await tx.run(
          `INSERT INTO rollups (hour, history_id, region, checks, rt_count, rt_sum, rt_min, rt_max, updated_at)
           VALUES (?, ?, 'r2', 60, 60, ?, 4000, 4000, 0)`,
          [nowHour - i * HOUR_MS, hid, 60 * 4000],
        );
      }
    });
    const meanSince = async (hours: number) => {
      const row = await w.store.db.reader.get<{ mean: number }>(
        'SELECT CAST(sum(rt_sum) AS REAL) / sum(rt_count) AS mean FROM rollups WHERE history_id = ? AND hour >= ?',
        [hid, nowHour - (hours - 1) * HOUR_MS],
      );
      return formatMs(row!.mean);
    };
    const day = (await w.h.get('/badge/web.json?type=response')).json() as { label: string; message: string };
    const week = (await w.h.get('/badge/web.json?type=response&window=7d')).json() as {
      label: string;
      message: string;
    };
    expect(day).toMatchObject({ label: 'response 24h', message: await meanSince(24) });
    expect(week).toMatchObject({ label: 'response 7d', message: await meanSince(7 * 24) });
    expect(week.message).not.toBe(day.message);
    expect((await w.h.get('/badge/web.svg?type=bogus')).statusCode).toBe(400);
  });
});
