// The store contract: what the collector relies on from any Store, through its public interface
// only (no SQL, no engine-specific imports). Every implementation runs it: SQLite in
// sqlite.contract.test.ts; a new engine adds one line there (ARCHITECTURE.md "Where a change goes").
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../collector/domain/alerts.ts';
import type {
  CheckRecord,
  EngineIncidentEvent,
  FlushBatch,
  StoredIncidentEvent,
  StoredState,
} from '../../collector/store/runtime-types.ts';
import type { MonitorCreate, MonitorWrites, Store } from '../../collector/store/types.ts';
import type { IncidentEvent } from '../../collector/verdict/types.ts';
import type { MonitorSpec } from '../../schema/types.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { EMPTY_FLUSH, makeAlert, snapshot } from '../incidents/fixtures.ts';

export interface OpenedStore {
  store: Store;
  close(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const HOUR = 3_600_000;

function create(spec: MonitorSpec, secrets: Record<string, string> = {}): MonitorCreate {
  return { spec, specHash: `h-${spec.id}-${spec.url}`, secretHashes: {}, secrets, diff: [], replaces: null };
}

function writes(parts: Partial<MonitorWrites>): MonitorWrites {
  return { gitRevision: 'abc123', at: T0, creates: [], updates: [], deletes: [], ...parts };
}

function check(
  id: string,
  historyId: number,
  at: number,
  ok: boolean,
  extra: Partial<CheckRecord> = {},
): CheckRecord {
  return {
    id,
    historyId,
    monitorId: `m${historyId}`,
    region: 'eu',
    runner: null,
    purpose: 'scheduled',
    roundId: `round-${id}`,
    startedAt: at,
    dueAt: at,
    claimedAt: at,
    receivedAt: at + 100,
    ok,
    reason: ok ? null : 'status',
    message: ok ? '200 OK' : 'status 500 is not 2xx',
    status: ok ? 200 : 500,
    httpVersion: '1.1',
    remoteIp: '127.0.0.1',
    remoteFamily: 4,
    timings: { resolve: 1, connect: 1, tls: 0, processing: 5, transfer: 1, total: 8 },
    tlsDaysLeft: null,
    detail: { phase: null, tls: null, redirects: [], assertions: [] },
    mark: null,
    hasLog: false,
    ...extra,
  };
}

function batch(parts: Partial<FlushBatch>): FlushBatch {
  return { ...EMPTY_FLUSH, ...parts };
}

function incidentEvent(historyId: number, fields: Partial<IncidentEvent> = {}): EngineIncidentEvent {
  const event: IncidentEvent = {
    type: 'opened',
    kind: 'down',
    monitorId: `m${historyId}`,
    incidentId: `m${historyId}:down:${T0}`,
    cause: 'confirmed',
    start: T0,
    end: null,
    lastFailure: T0,
    failedChecks: 2,
    reason: 'status',
    firstJobId: null,
    suppressed: false,
    at: T0,
    votes: [],
    score: null,
    ...fields,
  };
  return { source: 'monitor', historyId, event };
}

export function describeStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`store contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;
    /** Creates monitors m1..mN; returns their lineage ids by monitor id. */
    const seed = async (count: number): Promise<Map<string, number>> => {
      const specs = Array.from({ length: count }, (_, i) => makeSpec(`m${i + 1}`));
      await store.monitors.sync(() => ({
        result: null,
        writes: writes({ creates: specs.map((s) => create(s)) }),
      }));
      return new Map((await store.monitors.list()).map((m) => [m.id, m.historyId]));
    };

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.close();
    });

    describe('monitors', () => {
      it('creates, lists and gets monitors with revision 1 and the git revision', async () => {
        await seed(2);
        const list = await store.monitors.list();
        expect(list.map((m) => m.id).sort()).toEqual(['m1', 'm2']);
        const m1 = await store.monitors.get('m1');
        expect(m1).toMatchObject({ id: 'm1', name: 'm1', revision: 1, gitRevision: 'abc123', createdAt: T0 });
        expect(m1!.spec).toEqual(makeSpec('m1'));
        expect(await store.monitors.get('nope')).toBeUndefined();
      });

      it('keeps secret values apart from the record, for the runtime only', async () => {
        await store.monitors.sync(() => ({
          result: null,
          writes: writes({ creates: [create(makeSpec('s1'), { TOKEN: 'v4lue' })] }),
        }));
        expect(JSON.stringify(await store.monitors.get('s1'))).not.toContain('v4lue');
        expect(await store.monitors.secrets('s1')).toEqual({ TOKEN: 'v4lue' });
        const runtime = await store.runtime.loadMonitors();
        expect(runtime.find((r) => r.record.id === 's1')?.secrets).toEqual({ TOKEN: 'v4lue' });
      });

      it('updates and renames keep the lineage and count revisions', async () => {
        const ids = await seed(1);
        const historyId = ids.get('m1')!;
        const renamed = makeSpec('m1-new', { name: 'renamed' });
        await store.monitors.sync(() => ({
          result: null,
          writes: writes({
            at: T0 + 1000,
            updates: [
              {
                historyId,
                action: 'rename',
                spec: renamed,
                specHash: 'h2',
                secretHashes: {},
                secrets: {},
                diff: [{ path: 'id', before: 'm1', after: 'm1-new' }],
              },
            ],
          }),
        }));
        expect(await store.monitors.get('m1')).toBeUndefined();
        expect(await store.monitors.get('m1-new')).toMatchObject({ historyId, revision: 2, name: 'renamed' });
        const revisions = await store.monitors.revisions('m1-new');
        expect(revisions.map((r) => [r.revision, r.action])).toEqual([
          [1, 'create'],
          [2, 'rename'],
        ]);
      });

      it('deletes archive the lineage', async () => {
        const ids = await seed(2);
        await store.monitors.sync(() => ({
          result: null,
          writes: writes({ at: T0 + 5000, deletes: [ids.get('m2')!] }),
        }));
        expect((await store.monitors.list()).map((m) => m.id)).toEqual(['m1']);
        expect(await store.monitors.archived('m2')).toMatchObject([
          { id: 'm2', reason: 'delete', archivedAt: T0 + 5000 },
        ]);
      });

      it('a replace archives the old lineage and starts a new one', async () => {
        const ids = await seed(1);
        const moved = makeSpec('m1', { url: 'https://elsewhere.example.invalid/' });
        await store.monitors.sync(() => ({
          result: null,
          writes: writes({ at: T0 + 1, creates: [{ ...create(moved), replaces: ids.get('m1')! }] }),
        }));
        const now = await store.monitors.get('m1');
        expect(now!.historyId).not.toBe(ids.get('m1'));
        expect(now!.spec.url).toBe('https://elsewhere.example.invalid/');
        expect(await store.monitors.archived('m1')).toMatchObject([
          { historyId: ids.get('m1'), reason: 'replace', replacedBy: now!.historyId },
        ]);
      });

      it('a decision that throws leaves the store unchanged, and a dry run writes nothing', async () => {
        await seed(1);
        await expect(
          store.monitors.sync(() => {
            throw new Error('no');
          }),
        ).rejects.toThrow('no');
        const result = await store.monitors.sync((current) => ({ result: current.length, writes: null }));
        expect(result).toBe(1);
        expect((await store.monitors.list()).length).toBe(1);
      });

      it('concurrent syncs serialize: no lost update', async () => {
        await Promise.all(
          ['a', 'b', 'c'].map((id) =>
            store.monitors.sync((current) => ({
              result: null,
              writes: current.some((m) => m.id === id) ? null : writes({ creates: [create(makeSpec(id))] }),
            })),
          ),
        );
        expect((await store.monitors.list()).map((m) => m.id).sort()).toEqual(['a', 'b', 'c']);
      });
    });

    describe('settings', () => {
      it('sets a value once: the first writer wins', async () => {
        expect(await store.settings.get('k')).toBeUndefined();
        expect(await store.settings.setIfAbsent('k', 'one')).toBe('one');
        expect(await store.settings.setIfAbsent('k', 'two')).toBe('one');
        expect(await store.settings.get('k')).toBe('one');
      });
    });

    describe('runtime', () => {
      it('flushes checks idempotently by job id and pages them newest first', async () => {
        const ids = await seed(1);
        const h = ids.get('m1')!;
        const checks = Array.from({ length: 5 }, (_, i) => check(`j${i}`, h, T0 + i * 60_000, i !== 2));
        await store.runtime.flush(batch({ checks }));
        await store.runtime.flush(batch({ checks: checks.slice(0, 2) }));
        expect(await store.runtime.storedJobs(['j0', 'j4', 'x'])).toEqual(new Set(['j0', 'j4']));
        const page = await store.checks.page(h, { limit: 3 });
        expect(page.checks.map((c) => c.id)).toEqual(['j4', 'j3', 'j2']);
        expect(page.next).not.toBeNull();
        expect(await store.checks.get(h, 'j2')).toMatchObject({ ok: false, reason: 'status', status: 500 });
      });

      it('keeps response logs, and marks written in a later flush', async () => {
        const ids = await seed(1);
        const h = ids.get('m1')!;
        const log = snapshot('open').alert.firstFailure!.log!;
        await store.runtime.flush(
          batch({
            checks: [check('f1', h, T0, false, { hasLog: true })],
            logs: [{ jobId: 'f1', historyId: h, startedAt: T0, log }],
          }),
        );
        await store.runtime.flush(batch({ marks: [{ jobId: 'f1', mark: 'unconfirmed' }] }));
        expect((await store.checks.log(h, 'f1'))?.log).toEqual(log);
        expect((await store.checks.get(h, 'f1'))?.mark).toBe('unconfirmed');
      });

      it('recent checks come oldest first from a time on', async () => {
        const ids = await seed(1);
        const h = ids.get('m1')!;
        await store.runtime.flush(
          batch({
            checks: [
              check('a', h, T0, true),
              check('b', h, T0 + 2000, false),
              check('c', h, T0 + 1000, true),
            ],
          }),
        );
        expect((await store.runtime.recentChecks(T0 + 500)).map((c) => [c.startedAt, c.ok])).toEqual([
          [T0 + 1000, true],
          [T0 + 2000, false],
        ]);
      });

      it('stores states and drops them for gone lineages', async () => {
        const ids = await seed(2);
        const state = (historyId: number): StoredState => ({
          historyId,
          monitorId: `m${historyId}`,
          verdict: { state: 'up', since: T0 } as StoredState['verdict'],
          lastRoundAt: T0,
          lastResults: [],
          updatedAt: T0,
        });
        await store.runtime.flush(batch({ states: [state(ids.get('m1')!), state(ids.get('m2')!)] }));
        expect((await store.runtime.loadStates()).map((s) => s.monitorId).sort()).toEqual(['m1', 'm2']);
        await store.runtime.flush(batch({ dropStates: [ids.get('m2')!] }));
        expect((await store.runtime.loadStates()).map((s) => s.monitorId)).toEqual(['m1']);
        expect((await store.status.states()).map((s) => s.historyId)).toEqual([ids.get('m1')]);
      });

      it('keeps runner sessions until they deregister', async () => {
        const runner = {
          id: 'r1',
          region: 'eu',
          name: 'eu-1',
          version: '1.0.0',
          concurrency: 4,
          embedded: false,
          tokenHash: 'aa',
          registeredAt: T0,
          lastSeen: T0,
          deregisteredAt: null,
        };
        await store.runtime.flush(batch({ runners: [runner] }));
        expect(await store.runtime.loadRunners()).toMatchObject([{ id: 'r1', region: 'eu' }]);
        await store.runtime.flush(
          batch({ runners: [{ ...runner, lastSeen: T0 + 1, deregisteredAt: T0 + 1 }] }),
        );
        expect(await store.runtime.loadRunners()).toEqual([]);
      });
    });

    describe('incidents', () => {
      it('stores incident events in order and the incident they make', async () => {
        const ids = await seed(1);
        const h = ids.get('m1')!;
        await store.runtime.flush(batch({ events: [incidentEvent(h)] }));
        await store.runtime.flush(
          batch({
            events: [
              incidentEvent(h, { type: 'resolved', end: T0 + HOUR, lastFailure: T0 + HOUR, at: T0 + HOUR }),
            ],
          }),
        );
        const id = `m1:down:${T0}`;
        expect(await store.incidents.get(id)).toMatchObject({ id, kind: 'down', start: T0, end: T0 + HOUR });
        const events = await store.incidents.events(id);
        expect(events.map((e) => (e.source === 'monitor' ? e.event.type : 'region'))).toEqual([
          'opened',
          'resolved',
        ]);
        expect(events[0]!.seq).toBeLessThan(events[1]!.seq);
        expect((await store.incidents.list({ status: 'resolved', limit: 10 })).map((i) => i.id)).toEqual([
          id,
        ]);
        expect(await store.incidents.list({ status: 'open', limit: 10 })).toEqual([]);
      });

      it('runs the incident sink inside the flush: a throw rolls the whole flush back', async () => {
        const ids = await seed(1);
        const h = ids.get('m1')!;
        const seen: StoredIncidentEvent[][] = [];
        let fail = true;
        store.runtime.setIncidentSink(async (events, tx) => {
          // Alerts written through the flush's transaction commit or roll back with it.
          await store.alerts.inTransaction(tx, (alerts) =>
            alerts.saveAlert(makeAlert({ id: `alert-${seen.length}` })),
          );
          seen.push([...events]);
          if (fail) {
            fail = false;
            throw new Error('outbox unavailable');
          }
        });
        const flush = batch({ checks: [check('x1', h, T0, false)], events: [incidentEvent(h)] });
        await expect(store.runtime.flush(flush)).rejects.toThrow('outbox unavailable');
        expect(await store.runtime.storedJobs(['x1'])).toEqual(new Set());
        expect(await store.alerts.active()).toEqual([]);
        await store.runtime.flush(flush);
        expect(await store.runtime.storedJobs(['x1'])).toEqual(new Set(['x1']));
        expect((await store.alerts.active()).map((a) => a.id)).toEqual(['alert-1']);
        store.runtime.setIncidentSink(null);
      });
    });

    describe('alerts and the outbox', () => {
      it('saves alerts, finds them by incident and lists the active ones', async () => {
        const alert = makeAlert();
        await store.alerts.write((tx) => tx.saveAlert(alert));
        expect(await store.alerts.write((tx) => tx.alert(alert.id))).toEqual(alert);
        const byIncident = await store.alerts.forIncidents(alert.incidentIds);
        expect(byIncident.get(alert.incidentIds[0]!)?.id).toBe(alert.id);
        expect((await store.alerts.active()).map((a) => a.id)).toEqual([alert.id]);
        const closed: Alert = { ...alert, status: 'closed', closedAt: T0 + HOUR };
        await store.alerts.write((tx) => tx.saveAlert(closed));
        expect(await store.alerts.active()).toEqual([]);
      });

      it('delivers each lane in order: one head per (alert, sink), the next after it settles', async () => {
        const alert = makeAlert();
        await store.alerts.write(async (tx) => {
          await tx.saveAlert(alert);
          await tx.enqueue([
            { alertId: alert.id, sink: 'github', op: 'open', snapshot: snapshot('open', alert), at: T0 },
            {
              alertId: alert.id,
              sink: 'github',
              op: 'resolve',
              snapshot: snapshot('resolve', alert),
              at: T0 + 1,
            },
            { alertId: alert.id, sink: 'webhook', op: 'open', snapshot: snapshot('open', alert), at: T0 },
          ]);
        });
        const heads = await store.alerts.heads(10);
        expect(heads.map((h) => [h.sink, h.op])).toEqual([
          ['github', 'open'],
          ['webhook', 'open'],
        ]);
        const first = heads[0]!;
        expect(await store.alerts.laneHasMore(first)).toBe(true);
        expect(await store.alerts.startAttempt(first.id)).toBe(0);
        expect(await store.alerts.startAttempt(first.id)).toBe(1);
        await store.alerts.settle(
          first.id,
          { state: 'done', at: T0 + 2 },
          {
            alertId: alert.id,
            sink: 'github',
            state: 'open',
            refId: '7',
            refUrl: 'https://example.invalid/7',
            errorCode: null,
            error: null,
          },
        );
        expect((await store.alerts.heads(10)).map((h) => [h.sink, h.op])).toEqual([
          ['github', 'resolve'],
          ['webhook', 'open'],
        ]);
        expect(await store.alerts.delivery(alert.id, 'github')).toMatchObject({ refId: '7', state: 'open' });
        expect(await store.alerts.outboxDepth()).toEqual({ pending: 2, failed: 0 });
      });

      it('a retry waits for its time', async () => {
        const alert = makeAlert();
        await store.alerts.write(async (tx) => {
          await tx.saveAlert(alert);
          await tx.enqueue([
            { alertId: alert.id, sink: 'github', op: 'open', snapshot: snapshot('open', alert), at: T0 },
          ]);
        });
        const [head] = await store.alerts.heads(10);
        await store.alerts.retryLater(head!.id, T0 + HOUR, 'VIGIL_SINK_UNAVAILABLE', '503');
        const row = await store.alerts.outboxRow(head!.id);
        expect(row).toMatchObject({
          state: 'pending',
          nextAttemptAt: T0 + HOUR,
          errorCode: 'VIGIL_SINK_UNAVAILABLE',
        });
      });

      it('a throw inside a savepoint undoes only that work', async () => {
        await store.alerts.write(async (tx) => tx.saveAlert(makeAlert({ id: 'kept' })));
        const ids = await seed(1);
        store.runtime.setIncidentSink(async (_events, tx) => {
          await store.alerts
            .inTransaction(tx, async (alerts) => {
              await alerts.saveAlert(makeAlert({ id: 'undone' }));
              throw new Error('sink part failed');
            })
            .catch(() => undefined);
        });
        await store.runtime.flush(
          batch({ checks: [check('k1', ids.get('m1')!, T0, true)], events: [incidentEvent(ids.get('m1')!)] }),
        );
        expect(await store.runtime.storedJobs(['k1'])).toEqual(new Set(['k1']));
        expect((await store.alerts.active()).map((a) => a.id)).toEqual(['kept']);
        store.runtime.setIncidentSink(null);
      });
    });

    describe('status reads and retention', () => {
      it('the catalog lists current monitors; rollups count flushed checks by hour', async () => {
        const ids = await seed(1);
        const h = ids.get('m1')!;
        expect((await store.status.catalog()).map((c) => [c.id, c.historyId])).toEqual([['m1', h]]);
        await store.runtime.flush(
          batch({
            checks: [
              check('r1', h, T0, true),
              check('r2', h, T0 + 60_000, false),
              check('r3', h, T0 + HOUR, true),
            ],
          }),
        );
        const totals = await store.status.rollupTotals(T0, T0 + 2 * HOUR);
        expect(totals.get(h)).toMatchObject({ checks: 3, failures: 1 });
        expect(await store.status.lastCheckId()).toBeGreaterThan(0);
        expect((await store.status.readiness()).ok).toBe(true);
      });

      it('retention deletes expired checks in batches and keeps newer ones', async () => {
        const ids = await seed(1);
        const h = ids.get('m1')!;
        await store.runtime.flush(
          batch({
            checks: Array.from({ length: 5 }, (_, i) => check(`old${i}`, h, T0 + i, true)).concat(
              check('new', h, T0 + HOUR, true),
            ),
          }),
        );
        const cutoffs = { checks: T0 + 1000, logs: T0 + 1000, rollups: 0 };
        expect(await store.retention.step('checks', cutoffs, 3)).toBe(3);
        expect(await store.retention.step('checks', cutoffs, 3)).toBe(2);
        expect(await store.retention.step('checks', cutoffs, 3)).toBe(0);
        expect(await store.runtime.storedJobs(['old0', 'new'])).toEqual(new Set(['new']));
      });
    });
  });
}
