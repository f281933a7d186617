// The embedded runner shares the collector's event loop: probe work must never stall it. A real
// collector process probes a monitor whose `matches` pattern backtracks forever in JavaScript, and
// one whose assertions take seconds of work on a large JSON body; meanwhile /healthz answers promptly,
// and the checks are stored with their typed reasons (the first `assertion`, the second
// `timeout`: its judging outlasts its 1 s timeout and is stopped). Figures: bench/event-loop.ts.
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMonitors, getJson, idDueSoon, waitFor } from '../e2e/support.ts';
import { startCollectorProcess } from '../support/collector-process.ts';
import { startTarget } from '../support/target-server.ts';
import { BIG_JSON, WALK_ALL } from './helpers/big-json.ts';

interface CheckView {
  ok: boolean;
  reason: string | null;
  message: string;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('probe work under the embedded runner', () => {
  it('never stalls /healthz; the checks end with their typed reasons', { timeout: 180_000 }, async () => {
    const target = await startTarget({
      handler: (req, res) => res.end(req.url === '/redos' ? `${'a'.repeat(28)}!` : BIG_JSON),
    });
    cleanups.push(() => target.close());
    const collector = await startCollectorProcess({ env: { VIGIL_LOG_LEVEL: 'warn' } });
    cleanups.push(() => collector.stop('SIGKILL'));

    const now = Date.now();
    const redos = idDueSoon('loop-redos', 30_000, 5_000, 10_000, now);
    const heavy = idDueSoon('loop-heavy', 30_000, 5_000, 10_000, now);
    const walk = `      - { source: json, path: '${WALK_ALL.path}', operator: exists }`;
    await applyMonitors(
      collector,
      [
        'monitors:',
        `  - id: ${redos}`,
        `    url: ${target.url('/redos')}`,
        '    timeout: 5s',
        '    assertions:',
        "      - { source: body, operator: matches, value: '^(a+)+$' }",
        `  - id: ${heavy}`,
        `    url: ${target.url('/big.json')}`,
        '    timeout: 1s',
        '    assertions:',
        ...Array.from({ length: 20 }, () => walk),
        '',
      ].join('\n'),
    );

    // Poll /healthz back to back until both monitors have a stored check; keep the slowest answer.
    let slowest = 0;
    const stored = new Map<string, CheckView>();
    const end = Date.now() + 90_000;
    while (stored.size < 2 && Date.now() < end) {
      const start = performance.now();
      const response = await fetch(`${collector.url}/healthz`);
      await response.arrayBuffer();
      slowest = Math.max(slowest, performance.now() - start);
      expect(response.status).toBe(200);
      for (const id of [redos, heavy]) {
        if (stored.has(id)) continue;
        const checks = (await getJson<{ checks: CheckView[] }>(collector, `v1/monitors/${id}/checks`)).checks;
        if (checks[0] !== undefined) stored.set(id, checks[0]);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor('both checks to be stored', () => (stored.size === 2 ? true : undefined), 1_000);

    expect(stored.get(redos)).toMatchObject({ ok: false, reason: 'assertion' });
    expect(stored.get(heavy)).toMatchObject({ ok: false, reason: 'timeout' });
    expect(stored.get(heavy)!.message).toMatch(/judging it/);
    // Judged on the collector's loop, the second monitor alone stalls it for seconds.
    expect(slowest).toBeLessThan(2_000);
  });
});
