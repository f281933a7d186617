// `vigil store copy` as a real process: a SQLite store filled through the Store interface (lineages
// renamed, replaced and deleted, checks over three days with null phases, marks, TLS, logs,
// incidents open and resolved, alerts with delivered and pending outbox rows, runner sessions,
// settings) is copied into a fresh PostgreSQL schema, and everything the Store interface reads on
// both sides is the same; a second copy into the filled target is refused unless --replace.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../collector/domain/alerts.ts';
import { DAY_MS } from '../../collector/rollups/uptime.ts';
import { openStore } from '../../collector/store/open.ts';
import type { Store } from '../../collector/store/types.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { makeAlert } from '../incidents/fixtures.ts';
import {
  batch,
  checkRecord,
  create,
  entry,
  HOUR,
  incidentEvent,
  runnerRecord,
  storedState,
  T0,
  tlsDetail,
  writes,
} from './fixtures.ts';
import { dropSchema, freshSchema, requirePostgres, schemaUrl } from './postgres-support.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'cli', 'main.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function vigil(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Fills `store` with one of everything the collector keeps. */
export async function fillStore(store: Store): Promise<{ alerts: Alert[] }> {
  await store.monitors.sync(() => ({
    result: null,
    writes: writes({
      creates: [
        create(makeSpec('m1'), { TOKEN: 's3cret' }),
        create(makeSpec('m2')),
        create(makeSpec('m3')),
        create(makeSpec('m4', { paused: true })),
      ],
    }),
  }));
  const ids = new Map((await store.monitors.list()).map((m) => [m.id, m.historyId]));
  const [h1, h2, h3] = [ids.get('m1')!, ids.get('m2')!, ids.get('m3')!];
  // m1 renamed, m2 replaced by a new lineage (url changed), m3 deleted.
  await store.monitors.sync(() => ({
    result: null,
    writes: writes({
      at: T0 + 1000,
      updates: [
        {
          historyId: h1,
          action: 'rename',
          spec: makeSpec('m1b'),
          specHash: 'h-m1b',
          secretHashes: {},
          secrets: { TOKEN: 's3cret' },
          diff: [{ path: 'id', before: 'm1', after: 'm1b' }],
        },
      ],
      creates: [{ ...create(makeSpec('m2', { url: 'https://m2.example.invalid/v2' })), replaces: h2 }],
      deletes: [h3],
    }),
  }));
  const h2b = (await store.monitors.get('m2'))!.historyId;
  const checks = [];
  for (let day = 0; day < 3; day++) {
    for (let i = 0; i < 6; i++) {
      const at = T0 + day * DAY_MS + i * HOUR;
      const ok = i % 3 !== 0;
      checks.push(
        checkRecord(`j1-${day}-${i}`, h1, at, ok, {
          monitorId: 'm1b',
          hasLog: !ok,
          timings: { resolve: null, connect: 2, tls: null, processing: 3, transfer: null, total: 5 },
          ...(i === 5 ? { detail: tlsDetail('2026-03-01T00:00:00.000Z'), tlsDaysLeft: 50 } : {}),
        }),
        checkRecord(`j2-${day}-${i}`, day === 0 ? h2 : h2b, at, true, { monitorId: 'm2', region: 'us' }),
      );
    }
  }
  const down = incidentEvent(h1, { monitorId: 'm1b', incidentId: `m1b:down:${T0}` });
  const resolved = incidentEvent(h1, {
    monitorId: 'm1b',
    incidentId: `m1b:down:${T0}`,
    type: 'resolved',
    cause: 'recovered',
    end: T0 + HOUR,
    at: T0 + HOUR,
  });
  const open = incidentEvent(h2b, {
    monitorId: 'm2',
    incidentId: `m2:down:${T0 + DAY_MS}`,
    start: T0 + DAY_MS,
    at: T0 + DAY_MS,
  });
  await store.runtime.flush(
    batch({
      checks,
      logs: checks
        .filter((c) => c.hasLog)
        .map((c) => ({
          jobId: c.id,
          historyId: c.historyId,
          startedAt: c.startedAt,
          log: { status: 500, headers: {}, body: 'boom', truncated: false } as never,
        })),
      marks: [{ jobId: 'j1-0-0', mark: 'unconfirmed' }],
      states: [storedState(h1, { monitorId: 'm1b' }), storedState(h2b, { monitorId: 'm2' })],
      events: [down, resolved, open],
      runners: [runnerRecord(), runnerRecord({ id: 'r2', tokenHash: 'bb', deregisteredAt: T0 + 5 })],
      missed: [{ historyId: h1, region: 'eu', at: T0 + 2 * HOUR }],
    }),
  );
  const delivered = makeAlert({ id: `m1b:down:${T0}`, monitorId: 'm1b', subject: 'm1b', status: 'closed' });
  const pending = makeAlert({
    id: `m2:down:${T0 + DAY_MS}`,
    monitorId: 'm2',
    subject: 'm2',
    start: T0 + DAY_MS,
  });
  await store.alerts.write(async (tx) => {
    await tx.saveAlert(delivered);
    await tx.saveAlert(pending);
    await tx.enqueue([
      entry(delivered, 'github', 'open'),
      entry(delivered, 'github', 'resolve', T0 + HOUR),
      entry(pending, 'github', 'open', T0 + DAY_MS),
      entry(pending, 'webhook', 'open', T0 + DAY_MS),
    ]);
  });
  for (const row of await store.alerts.outbox(delivered.id)) {
    await store.alerts.startAttempt(row.id);
    await store.alerts.settle(
      row.id,
      { state: 'done', at: T0 + 10 },
      {
        alertId: delivered.id,
        sink: 'github',
        state: 'open',
        refId: '7',
        refUrl: 'https://example.invalid/7',
        errorCode: null,
        error: null,
      },
    );
  }
  await store.settings.setIfAbsent('admin_token_hash', 'abc');
  return { alerts: [delivered, pending] };
}

/** Everything the Store interface reads, as one comparable value. */
export async function readAll(store: Store, alerts: readonly Alert[]): Promise<unknown> {
  const monitors = (await store.monitors.list()).sort((a, b) => a.id.localeCompare(b.id));
  const lineages = [...new Set([...monitors.map((m) => m.historyId), 1, 2, 3, 4, 5])];
  const pages = [];
  for (const h of lineages) {
    pages.push(await store.checks.page(h, { limit: 10, withLogs: true }));
    const first = await store.checks.page(h, { limit: 4 });
    pages.push(first.next === null ? null : first.checks.map((c) => c.id));
  }
  const incidents = await store.incidents.list({ status: 'all', limit: 100 });
  const ids = alerts.map((a) => a.id);
  return {
    monitors,
    secrets: await store.monitors.secrets('m1b'),
    revisions: [await store.monitors.revisions('m1b'), await store.monitors.revisions('m2')],
    archived: [await store.monitors.archived('m2'), await store.monitors.archived('m3')],
    runtime: await store.runtime.loadMonitors(),
    states: await store.runtime.loadStates(),
    runners: await store.runtime.loadRunners(),
    pages,
    incidents,
    events: await Promise.all(incidents.map((i) => store.incidents.events(i.id))),
    catalog: await store.status.catalog(),
    statusStates: await store.status.states(),
    statusIncidents: await store.status.incidents(0),
    spans: await store.status.spans(0),
    rollups: [...(await store.status.rollupTotals(0, T0 + 10 * DAY_MS))],
    hourly: await store.status.hourly(lineages, 0),
    tls: await store.status.tlsExpiry(),
    tail: await store.status.checksAfter(0, 1000),
    lastCheckId: await store.status.lastCheckId(),
    active: await store.alerts.active(),
    outbox: await Promise.all(ids.map((id) => store.alerts.outbox(id))),
    depth: await store.alerts.outboxDepth(),
    deliveries: await store.alerts.deliveries(ids),
    setting: await store.settings.get('admin_token_hash'),
  };
}

if (await requirePostgres('vigil store copy')) {
  describe('vigil store copy', { timeout: 120_000 }, () => {
    let dir: string;
    let file: string;
    let schema: string;
    let alerts: Alert[];
    let expected: unknown;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'vigil-copy-'));
      file = join(dir, 'vigil.db');
      schema = freshSchema();
      const source = await openStore({ location: file });
      try {
        alerts = (await fillStore(source)).alerts;
        expected = await readAll(source, alerts);
      } finally {
        await source.close();
      }
    });
    afterAll(async () => {
      await dropSchema(schema);
      await rm(dir, { recursive: true, force: true });
    });

    it('copies everything, verifies the counts, and the PostgreSQL store reads the same', async () => {
      const run = await vigil(['store', 'copy', '--from', file, '--to', schemaUrl(schema), '--batch', '7']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^Copied .+ rows in [\d.]+ s \(.+ rows\/s\); every table verified\.\n\ntable +source +target\n/,
      );
      const lines = run.stdout.trim().split('\n').slice(3);
      const counts: Record<string, [number, number, string]> = Object.fromEntries(
        lines.map((l) => {
          const [table, source, target, ok] = l.split(/\s+/);
          return [table, [Number(source), Number(target), ok]];
        }),
      );
      expect(counts.checks).toEqual([36, 36, 'ok']);
      expect(counts.outbox).toEqual([4, 4, 'ok']);
      expect(counts.monitor_histories).toEqual([5, 5, 'ok']);
      expect(counts.archived_monitors).toEqual([2, 2, 'ok']);
      expect(Object.values(counts).every(([, , ok]) => ok === 'ok')).toBe(true);

      const target = await openStore({ location: schemaUrl(schema) });
      try {
        expect(await readAll(target, alerts)).toEqual(expected);
        // Sequences moved past the copied ids: new rows get new ids.
        await target.runtime.flush(batch({ checks: [checkRecord('new-1', 1, T0 + 3 * DAY_MS, true)] }));
        const tail = await target.status.checksAfter(0, 1000);
        expect(tail.length).toBe(37);
        expect(await target.status.lastCheckId()).toBeGreaterThan(
          (expected as { lastCheckId: number }).lastCheckId,
        );
        await target.monitors.sync(() => ({
          result: null,
          writes: writes({ creates: [create(makeSpec('m9'))] }),
        }));
        expect((await target.monitors.get('m9'))!.historyId).toBe(6);
      } finally {
        await target.close();
      }
    });

    it('refuses a target that holds rows (exit 1, VIGIL_ERR_COPY_TARGET_NOT_EMPTY), and --replace makes it the copy', async () => {
      const refused = await vigil([
        'store',
        'copy',
        '--from',
        file,
        '--to',
        schemaUrl(schema),
        '--format',
        'json',
      ]);
      expect(refused.code).toBe(1);
      const report = JSON.parse(refused.stdout) as { ok: boolean; code: string };
      expect(report).toMatchObject({ ok: false, code: 'VIGIL_ERR_COPY_TARGET_NOT_EMPTY' });

      const replaced = await vigil([
        'store',
        'copy',
        '--from',
        file,
        '--to',
        schemaUrl(schema),
        '--replace',
        '--format',
        'json',
      ]);
      expect(replaced.code).toBe(0);
      const done = JSON.parse(replaced.stdout) as {
        ok: boolean;
        replaced: number;
        tables: Array<{ table: string; source: number; target: number }>;
      };
      expect(done.ok).toBe(true);
      expect(done.replaced).toBeGreaterThan(0);
      expect(done.tables.find((t) => t.table === 'checks')).toEqual({
        table: 'checks',
        source: 36,
        target: 36,
      });
      const target = await openStore({ location: schemaUrl(schema) });
      try {
        // The rows added after the first copy are gone: the target is the source again.
        expect(await readAll(target, alerts)).toEqual(expected);
      } finally {
        await target.close();
      }
    });

    it('refuses a SQLite file another connection is reading (a running collector): VIGIL_ERR_COPY_SOURCE_BUSY, exit 1', async () => {
      const empty = freshSchema();
      const other = new DatabaseSync(file);
      try {
        other.exec('BEGIN');
        other.prepare('SELECT count(*) FROM checks').get();
        const run = await vigil(['store', 'copy', '--from', file, '--to', schemaUrl(empty)]);
        expect(run.code).toBe(1);
        expect(run.stderr).toContain('VIGIL_ERR_COPY_SOURCE_BUSY');
      } finally {
        other.close();
        await dropSchema(empty);
      }
    });

    it('refuses a source or target a live collector announces itself on (cluster heartbeat)', async () => {
      const empty = freshSchema();
      const source = await openStore({ location: file });
      try {
        await source.cluster.heartbeat(
          { id: 'c1', url: 'http://127.0.0.1:8080', startedAt: Date.now() },
          Date.now(),
        );
      } finally {
        await source.close();
      }
      try {
        const run = await vigil([
          'store',
          'copy',
          '--from',
          file,
          '--to',
          schemaUrl(empty),
          '--format',
          'json',
        ]);
        expect(run.code).toBe(1);
        expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, code: 'VIGIL_ERR_COPY_SOURCE_BUSY' });
        const again = await openStore({ location: file });
        await again.cluster.leave('c1').finally(() => again.close());
        const target = await openStore({ location: schemaUrl(empty) });
        await target.cluster
          .heartbeat({ id: 'c2', url: 'http://127.0.0.1:8081', startedAt: Date.now() }, Date.now())
          .finally(() => target.close());
        const busy = await vigil([
          'store',
          'copy',
          '--from',
          file,
          '--to',
          schemaUrl(empty),
          '--format',
          'json',
        ]);
        expect(busy.code).toBe(1);
        expect(JSON.parse(busy.stdout)).toMatchObject({ ok: false, code: 'VIGIL_ERR_COPY_TARGET_BUSY' });
      } finally {
        await dropSchema(empty);
      }
    });

    it('refuses the reverse direction and a missing file as usage errors (exit 2)', async () => {
      const reverse = await vigil([
        'store',
        'copy',
        '--from',
        schemaUrl(schema),
        '--to',
        join(dir, 'out.db'),
      ]);
      expect(reverse.code).toBe(2);
      expect(reverse.stderr).toContain('VIGIL_ERR_COPY_DIRECTION');
      const missing = await vigil([
        'store',
        'copy',
        '--from',
        join(dir, 'nope.db'),
        '--to',
        schemaUrl(schema),
      ]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('VIGIL_ERR_COPY_SOURCE_MISSING');
      const flags = await vigil(['store', 'copy', '--from', file]);
      expect(flags.code).toBe(2);
    });
  });
}
