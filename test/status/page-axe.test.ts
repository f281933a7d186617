// The status page through axe-core (the engine behind Lighthouse's and most browsers' accessibility
// checks) in real Chromium, at a desktop and a phone size, light and dark: no violation of impact
// serious or critical. Seen before: color-contrast (serious) on the state pills and tags.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchChromium } from '../support/chromium.ts';
import { type World, world } from './world.ts';

interface Violation {
  id: string;
  impact: string | null;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

describe('status page through axe-core in Chromium', { timeout: 120_000 }, () => {
  let w: World;
  let url: string;
  let browser: Browser;
  let axeSource: string;
  beforeAll(async () => {
    axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    w = await world();
    await w.h.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(w.h.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 15 * 60_000);
  afterAll(async () => {
    await browser?.close();
    await w?.h.destroy();
  });

  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`has no serious or critical violation at ${width}×${height}, ${scheme}`, async () => {
        const page = await browser.context.newPage();
        await page.setViewportSize({ width, height });
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(`${url}/`);
        // Evaluated through the DevTools protocol, so the page's CSP (no scripts) does not apply.
        const violations = await page.evaluate<Violation[]>(
          `${axeSource}; axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))`,
        );
        await page.close();
        const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(serious.map((v) => ({ id: v.id, nodes: v.nodes }))).toEqual([]);
      });
    }
  }
});
