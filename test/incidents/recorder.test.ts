// The recorder inside the engine's flush, with incident and region events written through the
// real store (as the engine writes them), and the certificate watch over stored checks.
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineIncidentEvent } from '../../collector/store/runtime-types.ts';
import type { SqliteStore } from '../../collector/store/sqlite/index.ts';
import type { RegionEvent } from '../../collector/verdict/impairment.ts';
import type { IncidentEvent } from '../../collector/verdict/types.ts';
import { checkResult, type Harness, harness } from '../engine/harness.ts';
import { startGitHubServer } from '../support/github-server.ts';
import { EMPTY_FLUSH as EMPTY } from './fixtures.ts';

const REPO = 'acme/ops';
const TOKEN = 'ghs_recorder_token';
const S = 1000;
const M = 60 * S;

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setup(monitors: Record<string, unknown>[], regions: string[] = []) {
  const server = await startGitHubServer({ repos: [REPO], tokens: { [TOKEN]: { login: 'vigil[bot]' } } });
  cleanup.push(() => server.close());
  const h = await harness({
    config: {
      githubRepository: REPO,
      githubToken: TOKEN,
      githubApiUrl: server.url,
      githubWriteSpacingMs: 0,
      githubRetryBaseMs: 5,
      incidentRetryBaseMs: S,
    },
  });
  cleanup.push(() => h.destroy());
  for (const region of regions) await h.register(region);
  await h.sync(monitors.map((m) => ({ url: `https://${m.id}.example.invalid/`, ...m })));
  return { server, h };
}

async function flush(h: Harness, events: EngineIncidentEvent[]): Promise<void> {
  await h.app.vigil.store.runtime.flush({ ...EMPTY, events });
  await h.app.vigil.incidents.tick();
  await h.app.vigil.incidents.settled();
}

async function monitorEvent(
  h: Harness,
  monitorId: string,
  fields: Partial<IncidentEvent>,
): Promise<EngineIncidentEvent> {
  const record = await h.app.vigil.store.monitors.get(monitorId);
  const now = h.clock.now();
  const event: IncidentEvent = {
    type: 'opened',
    kind: 'down',
    monitorId,
    incidentId: `${monitorId}:${fields.kind ?? 'down'}:${fields.start ?? now}`,
    cause: 'confirmed',
    start: now,
    end: null,
    lastFailure: now,
    failedChecks: 2,
    reason: 'status',
    firstJobId: null,
    suppressed: false,
    at: now,
    votes: [],
    score: null,
    ...fields,
  };
  return { source: 'monitor', historyId: record!.historyId, event };
}

function regionEvent(h: Harness, fields: Partial<RegionEvent>): EngineIncidentEvent {
  const now = h.clock.now();
  return {
    source: 'region',
    event: {
      type: 'opened',
      kind: 'region',
      region: 'eu',
      incidentId: `region:eu:${now}`,
      start: now,
      end: null,
      at: now,
      candidates: 9,
      failing: 8,
      ratio: 8 / 9,
      monitors: ['a', 'b'],
      ...fields,
    },
  };
}

// Minutes of fake time over a real store: seconds idle, many more on a loaded machine.
const FAKE_TIME = { timeout: 120_000 };

describe('incident kinds', FAKE_TIME, () => {
  it('flapping: its own issue at once (label flapping), closed at once when it ends', async () => {
    const { server, h } = await setup([{ id: 'web', alert: { after: '10m', recovery_after: '10m' } }]);
    const start = h.clock.now();
    await flush(h, [await monitorEvent(h, 'web', { kind: 'flapping', cause: 'flapping', score: 46 })]);
    const [issue] = server.issues(REPO);
    expect(issue).toMatchObject({ title: 'web is flapping: score 46.0', state: 'open' });
    expect(issue!.labels).toEqual(['vigil', 'incident', 'flapping', 'monitor:web']);
    await h.advance(5 * M);
    await flush(h, [
      await monitorEvent(h, 'web', {
        kind: 'flapping',
        type: 'resolved',
        cause: 'recovered',
        start,
        end: start + 4 * M,
        lastFailure: start + 4 * M,
        incidentId: `web:flapping:${start}`,
      }),
    ]);
    expect(server.issues(REPO)[0]!.state).toBe('closed');
    expect(server.commentsOn(REPO, issue!.number)[0]!.body).toContain('✅ **web** stopped flapping.');
  });

  it('flapping escalated to down: the flapping issue says so and closes; the outage is its own incident', async () => {
    const { server, h } = await setup([{ id: 'web', alert: { after: '0s' } }]);
    const start = h.clock.now();
    await flush(h, [await monitorEvent(h, 'web', { kind: 'flapping', cause: 'flapping', score: 40 })]);
    await h.advance(M);
    const now = h.clock.now();
    await flush(h, [
      await monitorEvent(h, 'web', {
        kind: 'flapping',
        type: 'resolved',
        cause: 'escalated',
        start,
        end: now,
        incidentId: `web:flapping:${start}`,
      }),
      await monitorEvent(h, 'web', { kind: 'down', cause: 'escalated', start: now }),
    ]);
    const issues = server.issues(REPO);
    expect(issues.map((i) => [i.title, i.state])).toEqual([
      ['web is flapping: score 40.0', 'closed'],
      ['web is down: unexpected HTTP status', 'open'],
    ]);
    expect(server.commentsOn(REPO, issues[0]!.number)[0]!.body).toContain(
      'Flapping turned into an outage, followed in its own incident; closing this one.',
    );
  });

  it('an impaired region: one region issue, closed when the region is healthy again', async () => {
    const { server, h } = await setup([{ id: 'web' }]);
    const start = h.clock.now();
    await flush(h, [regionEvent(h, { start })]);
    const [issue] = server.issues(REPO);
    expect(issue!.title).toBe('Region eu is impaired: checks fail for 8 of 9 monitors');
    expect(issue!.labels).toEqual(['vigil', 'incident', 'region', 'region:eu']);
    await h.advance(10 * M);
    await flush(h, [
      regionEvent(h, { type: 'resolved', start, end: start + 9 * M, incidentId: `region:eu:${start}` }),
    ]);
    expect(server.issues(REPO)[0]!.state).toBe('closed');
    expect(server.commentsOn(REPO, issue!.number)[0]!.body).toContain('✅ Region **eu** is healthy again.');
  });

  it('maintenance (suppressed) and paused monitors open nothing', async () => {
    const { server, h } = await setup([
      { id: 'quiet', alert: { after: '0s' } },
      { id: 'paused', paused: true, alert: { after: '0s' } },
      { id: 'silent', alert: { after: '0s', sinks: [] } },
    ]);
    await flush(h, [
      await monitorEvent(h, 'quiet', { suppressed: true }),
      await monitorEvent(h, 'paused', {}),
      await monitorEvent(h, 'silent', {}),
    ]);
    await h.advance(30 * M);
    await h.app.vigil.incidents.tick();
    await h.app.vigil.incidents.settled();
    expect(server.issues(REPO)).toEqual([]);
    expect(server.requests).toEqual([]);
    const alerts = await h.app.vigil.store.alerts.list({ status: 'all', limit: 10 });
    expect(alerts.map((a) => [a.subject, a.announcedAt === null])).toEqual(
      expect.arrayContaining([
        ['quiet', true],
        ['paused', true],
        ['silent', false],
      ]),
    );
    // `alert.sinks: []`: the timing ran, nothing was queued, and its end is recorded only.
    const silent = alerts.find((a) => a.subject === 'silent')!;
    expect(silent.sinks).toEqual([]);
    expect(await h.app.vigil.store.alerts.outbox(silent.id)).toEqual([]);
  });

  it('an incident first seen resolved (opened before delivery existed) is recorded, never announced', async () => {
    const { server, h } = await setup([{ id: 'web', alert: { after: '0s' } }]);
    const start = h.clock.now() - 10 * M;
    await flush(h, [
      await monitorEvent(h, 'web', {
        type: 'resolved',
        cause: 'recovered',
        start,
        end: start + 5 * M,
        lastFailure: start + 5 * M,
        incidentId: `web:down:${start}`,
      }),
    ]);
    expect(server.requests).toEqual([]);
    expect(await h.app.vigil.store.alerts.list({ status: 'all', limit: 10 })).toEqual([
      expect.objectContaining({ status: 'closed', outcome: 'recorded', announcedAt: null }),
    ]);
  });

  it('a failure recording incidents never blocks the engine: its own writes commit', async () => {
    const { h } = await setup([{ id: 'web', alert: { after: '0s' } }]);
    const { db } = h.app.vigil.store as SqliteStore;
    await db.write((tx) => tx.exec('DROP TABLE alert_incidents'));
    const event = await monitorEvent(h, 'web', {});
    await h.app.vigil.store.runtime.flush({ ...EMPTY, events: [event] });
    expect(await h.app.vigil.store.incidents.get(event.event.incidentId)).toMatchObject({ kind: 'down' });
    expect(await h.app.vigil.store.alerts.active()).toEqual([]);
  });
});

describe('certificate watch', FAKE_TIME, () => {
  it('a certificate within tls.expiry_warning_days opens a certificate issue; a renewed one closes it', async () => {
    const { server, h } = await setup(
      [{ id: 'tls', url: 'https://tls.example.invalid/', tls: { expiry_warning_days: 14 } }],
      ['r1'],
    );
    const tls = (daysLeft: number, validTo: string) => ({
      tls: {
        version: 'TLSv1.3',
        cipher: 'TLS_AES_128_GCM_SHA256',
        alpn: 'h2',
        subject: 'CN=tls.example.invalid',
        issuer: 'CN=Test CA',
        sans: ['tls.example.invalid'],
        validFrom: '2025-10-01T00:00:00.000Z',
        validTo,
        daysLeft,
        selfSigned: false,
        legacyFallback: false,
      },
    });
    let cert = tls(30, '2026-02-04T00:00:00.000Z');
    const answer = async (minutes: number) => {
      for (let t = 0; t < minutes * M; t += S) {
        const [runner] = h.runners;
        const jobs = await h.claim(runner!, 50, 0);
        if (jobs.length > 0) {
          await h.post(
            runner!,
            jobs.map((job) => ({ jobId: job.jobId, result: checkResult(true, h.clock.now(), cert) })),
          );
        }
        await h.advance(S);
      }
      await h.app.vigil.incidents.settled();
    };
    await answer(2);
    expect(server.issues(REPO)).toEqual([]);

    cert = tls(5, '2026-01-10T00:00:00.000Z');
    await answer(2);
    const [issue] = server.issues(REPO);
    expect(issue).toMatchObject({ title: 'tls: TLS certificate expires in 5 days', state: 'open' });
    expect(issue!.labels).toEqual(['vigil', 'incident', 'certificate', 'monitor:tls']);
    expect(issue!.body).toContain('| Valid until | 2026-01-10T00:00:00.000Z |');
    // Still expiring: nothing more.
    await answer(2);
    expect(server.issues(REPO)).toHaveLength(1);
    expect(server.commentsOn(REPO, issue!.number)).toEqual([]);

    cert = tls(89, '2026-04-04T00:00:00.000Z');
    await answer(2);
    expect(server.issues(REPO)).toHaveLength(1);
    expect(server.issues(REPO)[0]!.state).toBe('closed');
    expect(server.commentsOn(REPO, issue!.number)[0]!.body).toContain(
      'A renewed certificate was seen for **tls**: valid until 2026-04-04T00:00:00.000Z (89 days left)',
    );
    // It is an incident like the others in the API.
    const body = await h.json<{
      incidents: Array<{ kind: string; open: boolean; alert: { outcome: string } | null }>;
    }>('/v1/incidents?kind=certificate');
    expect(body.incidents).toEqual([
      expect.objectContaining({
        kind: 'certificate',
        open: false,
        alert: expect.objectContaining({ outcome: 'announced' }),
      }),
    ]);
  });
});
