// A real collector process whose database sits on a small tmpfs that the test fills (fallocate)
// and frees again: /readyz says 503 storage_full and comes back; a sync is refused 503
// VIGIL_ERR_STORAGE_FULL naming the file (never a 500); flushes back off (a few log lines, not one
// per retry); on SIGTERM while full the unwritten rows go to the spill file in the OS temp dir
// (the disk beside the database is full), which the next start replays and removes; the database
// is intact at the end. Needs root to mount (see mounts.ts).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { startFlipTarget, waitFor } from '../e2e/support.ts';
import { type CollectorProcess, startCollectorProcess } from '../support/collector-process.ts';
import { mountTmpfs } from './mounts.ts';

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  cleanup = [];
});

interface FlushFigures {
  rows: number;
  pending: number;
  consecutiveFailures: number;
  dropped: Record<string, number>;
}

async function call(c: CollectorProcess, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(new URL(path, `${c.url}/`), {
    ...init,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` },
  });
}

async function flushOf(c: CollectorProcess): Promise<FlushFigures> {
  return ((await (await call(c, '/v1/engine/stats')).json()) as { flush: FlushFigures }).flush;
}

async function readyz(c: CollectorProcess): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await call(c, '/readyz');
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

function sync(c: CollectorProcess, monitors: object[]): Promise<Response> {
  return call(c, '/v1/sync', { method: 'POST', body: JSON.stringify({ revision: null, monitors }) });
}

/** pino lines (stdout) at warn or above, after `from` characters. */
function loudLines(out: string, from = 0): Array<{ level: number; msg: string }> {
  return out
    .slice(from)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level >= 40);
}

describe('a full disk under a real collector', { timeout: 600_000 }, () => {
  it('reports it, refuses writes with 503, backs off, recovers, spills at SIGTERM and replays at start', async () => {
    const mount = await mountTmpfs(16 * 1024 * 1024);
    cleanup.push(() => mount.close());
    const spillTmp = await mkdtemp(join(tmpdir(), 'vigil-spill-tmp-'));
    cleanup.push(() => rm(spillTmp, { recursive: true, force: true }));
    const target = await startFlipTarget();
    cleanup.push(() => target.close());
    target.set('/bad', 'error');
    const start = async () => {
      const c = await startCollectorProcess({
        dir: mount.dir,
        env: { TMPDIR: spillTmp, VIGIL_LOG_LEVEL: 'info', VIGIL_RETENTION_INTERVAL_MS: '0' },
      });
      cleanup.push(() => c.stop('SIGKILL'));
      return c;
    };
    let collector = await start();
    // 60 monitors every 30 s: two results a second, a tenth of them failures with response logs.
    const monitors = Array.from({ length: 60 }, (_, i) => ({
      id: `m${i}`,
      url: target.url(i % 10 === 0 ? '/bad' : '/ok'),
      interval: '30s',
    }));
    expect((await sync(collector, monitors)).status).toBe(200);
    await waitFor(
      'results stored',
      async () => ((await flushOf(collector)).rows > 20 ? true : undefined),
      120_000,
    );

    // Full.
    await mount.fill();
    const fullFrom = collector.stdout().length;
    const notReady = await waitFor(
      'readyz 503',
      async () => {
        const r = await readyz(collector);
        return r.status === 503 ? r.body : undefined;
      },
      120_000,
    );
    expect(notReady).toMatchObject({
      status: 'not_ready',
      store: 'not_writable',
      reason: 'storage_full',
      code: 'VIGIL_ERR_STORAGE_FULL',
    });
    expect(notReady.detail).toContain(collector.dbPath);
    const refused = await sync(collector, [...monitors, { id: 'extra', url: target.url('/ok') }]);
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { code: string; message: string };
    expect(body.code).toBe('VIGIL_ERR_STORAGE_FULL');
    expect(body.message).toContain(collector.dbPath);
    expect(refused.headers.get('retry-after')).toBe('10');
    // Reads go on (or say 503 with the code): never a 500.
    const read = await call(collector, '/v1/monitors/m1/checks?limit=5');
    expect([200, 503]).toContain(read.status);

    // 20 s full: retries back off and the log holds a few lines, not one per retry.
    await new Promise((r) => setTimeout(r, 20_000));
    const during = await flushOf(collector);
    expect(during.consecutiveFailures).toBeGreaterThan(2);
    expect(during.consecutiveFailures).toBeLessThan(20);
    const loud = loudLines(collector.stdout(), fullFrom);
    const flushLines = loud.filter((l) => l.msg.startsWith('engine: flush'));
    expect(flushLines.length).toBeGreaterThanOrEqual(1);
    expect(flushLines.length).toBeLessThanOrEqual(2);
    // Besides them, only the refused sync's line.
    expect(loud.length, JSON.stringify(loud.map((l) => l.msg))).toBeLessThanOrEqual(5);

    // Freed: ready again, the buffer drains.
    await mount.free();
    await waitFor(
      'readyz 200',
      async () => ((await readyz(collector)).status === 200 ? true : undefined),
      60_000,
    );
    await waitFor(
      'flushes succeed',
      async () => ((await flushOf(collector)).consecutiveFailures === 0 ? true : undefined),
      60_000,
    );
    expect(loudLines(collector.stdout(), fullFrom).map((l) => l.msg)).toContain(
      'engine: flushes succeed again',
    );

    // Full again, then SIGTERM with rows waiting.
    await mount.fill();
    await waitFor(
      'readyz 503 again',
      async () => ((await readyz(collector)).status === 503 ? true : undefined),
      120_000,
    );
    await waitFor(
      'rows waiting',
      async () => ((await flushOf(collector)).pending >= 4 ? true : undefined),
      60_000,
    );
    const stopped = await collector.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    const spilledLine = collector
      .stdout()
      .split('\n')
      .filter((l) => l.includes('unwritten rows spilled'))
      .map((l) => JSON.parse(l) as { path: string; rows: number; failed: Array<{ path: string }> });
    expect(spilledLine).toHaveLength(1);
    expect(spilledLine[0]!.path.startsWith(spillTmp)).toBe(true);
    expect(spilledLine[0]!.failed.map((f) => f.path)).toEqual([`${collector.dbPath}.spill.jsonl`]);
    const [spillName] = (await readdir(spillTmp)).filter((n) => n.startsWith('vigil-spill-'));
    const spilled = (await readFile(join(spillTmp, spillName!), 'utf8'))
      .split('\n')
      .filter((l) => l.startsWith('{"k":"checks"'))
      .map((l) => (JSON.parse(l) as { v: { id: string } }).v.id);
    expect(spilled.length).toBeGreaterThan(0);

    // The next start (space freed) replays the spill and removes it.
    await mount.free();
    collector = await start();
    await waitFor(
      'spill replayed',
      () => (collector.stdout().includes('spill replayed into the store') ? true : undefined),
      30_000,
    );
    expect((await readdir(spillTmp)).filter((n) => n.startsWith('vigil-spill-'))).toEqual([]);
    expect((await collector.stop('SIGTERM')).code).toBe(0);

    const db = new DatabaseSync(collector.dbPath, { readOnly: true });
    try {
      expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
      const found = db
        .prepare(`SELECT count(*) AS n FROM checks WHERE job_id IN (${spilled.map(() => '?').join(',')})`)
        .get(...spilled) as { n: number };
      expect(found.n).toBe(spilled.length);
    } finally {
      db.close();
    }
  });
});
