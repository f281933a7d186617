// What the page and GET /v1/status say about freshness and maintenance, on a real collector (SQLite
// file, real engine, runners played over the protocol) with a fake clock:
// - a monitor with no result yet: `lastCheckAt: null`, every uptime null, "No data yet" on the
//   page where the figure goes, "not checked yet"; once checked, the newest check's time in
//   /v1/status and a <time> on the page ("checked 12s ago", the exact time in its title);
// - maintenance: the window on now (real start and end) and the next one (7 days ahead) per
//   monitor in /v1/status, a pill and a Maintenance section on the page, which still passes axe
//   (light and dark) with these elements on it;
// - the /v1/status body matches its declared response schema exactly.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorStatus, StatusModel } from '../../collector/status/model.ts';
import { statusModelSchema } from '../../collector/status/schema.ts';
import { formatInstant } from '../../collector/web/format.ts';
import { drive, type Harness, harness, START } from '../engine/harness.ts';
import { type Browser, launchChromium } from '../support/chromium.ts';

const MONITORS = [
  {
    id: 'web',
    name: 'Web site',
    url: 'https://www.example.invalid/',
    maintenance: [
      // On at the harness's start (12:00 UTC), until 14:00.
      { start: '2026-01-05T11:00:00Z', end: '2026-01-05T14:00:00Z' },
      // Daily at 03:00 UTC for an hour: next on Jan 6.
      { cron: '0 3 * * *', duration: '1h' },
    ],
  },
  { id: 'api', name: 'Public API', url: 'https://api.example.invalid/' },
];
const LATE = { id: 'late', name: 'Newcomer', url: 'https://new.example.invalid/' };

interface Violation {
  id: string;
  impact: string | null;
  nodes: Array<{ target: string[] }>;
}

describe('freshness and maintenance on the page and in /v1/status', { timeout: 300_000 }, () => {
  let h: Harness;
  let url: string;
  let browser: Browser;
  const status = async () => {
    const response = await h.get('/v1/status');
    expect(response.statusCode).toBe(200);
    return response.json() as StatusModel;
  };
  const monitor = (body: StatusModel, id: string) => body.monitors.find((m) => m.id === id) as MonitorStatus;

  beforeAll(async () => {
    h = await harness({ config: { statusMaxAgeMs: 0, retentionIntervalMs: 0 } });
    for (const region of ['r1', 'r2', 'r3']) await h.register(region);
    await h.sync(MONITORS);
    await drive(h, 70_000, () => true);
    // A monitor added now has no result yet.
    await h.sync([...MONITORS, LATE]);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium({ javaScriptEnabled: false });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await h?.destroy();
  });

  it('says "no data yet" for a monitor with no result, in /v1/status and on the page', async () => {
    const body = await status();
    const late = monitor(body, 'late');
    expect(late.state).toBe('pending');
    expect(late.lastCheckAt).toBeNull();
    expect(late.since).toBeNull();
    expect(late.uptime).toEqual({ '24h': null, '7d': null, '30d': null, '90d': null });
    expect(late.maintenance).toEqual({ ongoing: null, next: null });

    const page = await browser.context.newPage();
    await page.goto(`${url}/`);
    const row = page.locator('li.monitor[data-monitor="late"]');
    expect(await row.locator('.state').innerText()).toBe('Pending');
    expect(await row.locator('.up').innerText()).toBe('No data yet');
    expect(await row.locator('.checked').innerText()).toBe('not checked yet');
    expect(await row.locator('time').count()).toBe(0);
    await page.close();
  });

  it('gives the last check time: ISO in /v1/status, a <time> with "checked …s ago" on the page', async () => {
    const body = await status();
    const api = monitor(body, 'api');
    const newest = Math.max(...api.regions.map((r) => Date.parse(r.at)));
    expect(api.lastCheckAt).toBe(new Date(newest).toISOString());
    const now = Date.parse(body.generatedAt);
    expect(now - newest).toBeGreaterThanOrEqual(1000);

    const page = await browser.context.newPage();
    await page.goto(`${url}/`);
    const time = page.locator('li.monitor[data-monitor="api"] time.checked');
    expect(await time.getAttribute('datetime')).toBe(api.lastCheckAt);
    expect(await time.getAttribute('title')).toBe(formatInstant(newest));
    expect(await time.innerText()).toBe(`checked ${Math.floor((now - newest) / 1000)}s ago`);
    await page.close();
  });

  it('shows the maintenance window on now and the next one, per monitor and in a section', async () => {
    const body = await status();
    expect(monitor(body, 'web').maintenance).toEqual({
      ongoing: { start: '2026-01-05T11:00:00.000Z', end: '2026-01-05T14:00:00.000Z' },
      next: { start: '2026-01-06T03:00:00.000Z', end: '2026-01-06T04:00:00.000Z' },
    });
    expect(monitor(body, 'api').maintenance).toEqual({ ongoing: null, next: null });

    const page = await browser.context.newPage();
    await page.goto(`${url}/`);
    const web = page.locator('li.monitor[data-monitor="web"]');
    expect(await web.locator('.maint').innerText()).toBe('In maintenance until Jan 5, 14:00 UTC');
    expect(await web.locator('.next-maint').innerText()).toBe('Maintenance Jan 6, 03:00 – 04:00 UTC');
    // Checked, but only inside maintenance: no counted time, which is not "no data".
    expect(monitor(body, 'web').uptime['90d']).toBeNull();
    expect(await web.locator('.up').innerText()).toBe('—');
    expect(await page.locator('li.monitor[data-monitor="api"] .maint').count()).toBe(0);
    const items = await page.locator('ul.maintenance li').allInnerTexts();
    // Ongoing first, then the daily window on each of the next 7 days.
    expect(items[0]).toMatch(/^in progress Web site\nJan 5, 11:00 – 14:00 UTC \(ends in 1h 58m\)$/);
    expect(items[1]).toMatch(/^scheduled Web site\nJan 6, 03:00 – 04:00 UTC \(in 14h 58m\)$/);
    expect(items).toHaveLength(1 + 7);
    await page.close();
  });

  it('matches its declared response schema, every field', async () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(statusModelSchema);
    const body = await status();
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    // The route keeps every field (a response schema drops the ones it does not name).
    expect(Object.keys(monitor(body, 'web')).sort()).toEqual(
      Object.keys(statusModelSchema.properties.monitors.items.properties).sort(),
    );
  });

  it('passes axe with the maintenance and no-data elements on it (light and dark)', async () => {
    const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const scripted = await launchChromium();
    try {
      for (const scheme of ['light', 'dark'] as const) {
        const page = await scripted.context.newPage();
        await page.setViewportSize({ width: 390, height: 844 });
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(`${url}/`);
        const violations = await page.evaluate<Violation[]>(
          `${axeSource}; axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
        );
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        await page.close();
        const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(serious, scheme).toEqual([]);
        expect(overflow, scheme).toBeLessThanOrEqual(0);
      }
    } finally {
      await scripted.close();
    }
    expect(h.clock.now()).toBeGreaterThan(START);
  });
});
