// GET /metrics checked by Prometheus's own linter, `promtool check metrics` (installed by
// scripts/install-promtool.sh when missing): the exposition a scrape gets must pass it with no
// complaint, not only parse. Seen failing before: prom-client's default gauges named like
// counters (nodejs_active_handles_total ...), exit 3.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type World, world } from './world.ts';

const run = promisify(execFile);
const INSTALL = join(import.meta.dirname, '..', '..', 'scripts', 'install-promtool.sh');

async function promtool(): Promise<string> {
  await run('bash', [INSTALL], { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  return process.env.PROMTOOL_PATH || 'promtool';
}

/** `promtool check metrics` on `text`: its exit code and what it printed. */
async function checkMetrics(tool: string, text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(tool, ['check', 'metrics'], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      if (code === -1) reject(error);
      else resolve({ code, output: `${stdout}${stderr}` });
    });
    child.stdin!.end(text);
  });
}

describe('GET /metrics through promtool', () => {
  let w: World;
  let tool: string;
  beforeAll(async () => {
    [w, tool] = await Promise.all([world(), promtool()]);
  }, 900_000);
  afterAll(() => w.h.destroy());

  it('passes `promtool check metrics` with nothing to say', async () => {
    const response = await w.h.get('/metrics');
    expect(response.statusCode).toBe(200);
    expect(await checkMetrics(tool, response.body)).toEqual({ code: 0, output: '' });
  });

  it('gives every per-monitor series the same monitor label, names in one info series', async () => {
    const body = (await w.h.get('/metrics')).body;
    const perMonitor = body.split('\n').filter((line) => /^vigil_monitor_[a-z_]+\{/.test(line));
    expect(perMonitor.length).toBeGreaterThan(0);
    for (const line of perMonitor) {
      expect(line).toMatch(/[{,]monitor="/);
      if (!line.startsWith('vigil_monitor_info{')) expect(line).not.toMatch(/[{,]name="/);
    }
    expect(body).toMatch(/^vigil_monitor_info\{monitor="web",name="Web site"\} 1$/m);
  });
});
