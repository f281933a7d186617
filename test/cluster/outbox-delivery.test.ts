// Incident delivery exactly once across a cluster: two delivery workers (two collectors: two
// stores, two pools, one PostgreSQL schema, a GitHub sink each) against the local GitHub stand-in,
// judged by GitHub's OpenAPI description. Every operation of every incident reaches GitHub once and
// in order; a worker that stops mid-delivery (claim held, answer lost) leaves its row to the other,
// which finds the issue by its marker instead of opening a second one.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, Operation } from '../../collector/domain/alerts.ts';
import { githubSink } from '../../collector/incidents/github/sink.ts';
import { DEFAULT_CLAIM_MS, OutboxWorker } from '../../collector/incidents/outbox.ts';
import type { Delivery, IncidentSink } from '../../collector/incidents/sink.ts';
import { openPostgresStore, type PostgresStore } from '../../collector/store/postgres/index.ts';
import { makeAlert, snapshot, T0 } from '../incidents/fixtures.ts';
import {
  dropSchema,
  freshSchema,
  requirePostgres,
  SchemaCleaner,
  schemaUrl,
} from '../store/postgres-support.ts';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';

const REPO = 'acme/ops';
const TOKEN = 'ghs_cluster_token';
const INCIDENTS = 12;
const log = { info() {}, warn() {}, error() {} };

interface Member {
  name: string;
  store: PostgresStore;
  sink: IncidentSink;
  worker: OutboxWorker;
  /** Operations this member's sink was asked to carry out. */
  calls: Delivery[];
  /** Added to Date.now() by this member's clock. */
  skew: number;
}

if (await requirePostgres('cluster: outbox delivery')) {
  const schema = freshSchema();
  const cleaner = new SchemaCleaner(schema);
  let server: GitHubServer;
  let members: Member[] = [];

  beforeAll(async () => {
    await (await openPostgresStore({ url: schemaUrl(schema) })).close();
  });
  afterAll(async () => {
    await cleaner.end();
    await dropSchema(schema);
  });
  afterEach(async () => {
    for (const m of members) {
      await m.sink.close?.();
      await m.worker.stop();
      await m.store.close();
    }
    members = [];
    await server?.close();
    await cleaner.empty();
  });

  async function member(name: string): Promise<Member> {
    const store = await openPostgresStore({ url: schemaUrl(schema) });
    const clock = () => Date.now() + m.skew;
    const inner = githubSink.create(
      { repository: REPO, token: TOKEN, apiUrl: server.url, retryBaseMs: 5, writeSpacingMs: 0 },
      { now: clock, log },
    );
    const calls: Delivery[] = [];
    // The real sink; the wrapper only records which member was asked for what.
    const sink: IncidentSink = {
      name: 'github',
      open: (d) => (calls.push(d), inner.open(d)),
      remind: (d) => (calls.push(d), inner.remind(d)),
      resolve: (d) => (calls.push(d), inner.resolve(d)),
      close: () => inner.close?.() ?? Promise.resolve(),
    };
    const worker = new OutboxWorker({
      alerts: store.alerts,
      sinks: new Map([['github', sink]]),
      clock,
      log,
      secretsOf: async () => ({}),
      publicUrl: null,
      retryBaseMs: 20,
      retryMaxMs: 200,
      pollMs: 10,
      concurrency: 4,
      owner: `member-${name}`,
    });
    const m: Member = { name, store, sink, worker, calls, skew: 0 };
    members.push(m);
    return m;
  }

  async function startServer(): Promise<void> {
    server = await startGitHubServer({
      repos: [REPO],
      tokens: { [TOKEN]: { login: 'vigil[bot]' } },
      openapi: true,
    });
  }

  function incident(i: number): Alert {
    const id = `m${i}:down:${T0}`;
    return makeAlert({ id, incidentIds: [id], subject: `m${i}`, monitorId: `m${i}` });
  }

  /** Queues `op` for these alerts in one transaction, through `store` (any member's). */
  async function queue(store: PostgresStore, alerts: Alert[], op: Operation): Promise<void> {
    await store.alerts.write(async (tx) => {
      for (const alert of alerts) {
        await tx.saveAlert(alert);
        await tx.enqueue([{ alertId: alert.id, sink: 'github', op, snapshot: snapshot(op, alert), at: T0 }]);
      }
    });
    for (const m of members) m.worker.kick();
  }

  /** Until no row is pending anywhere (every member's worker keeps running). */
  async function drained(store: PostgresStore): Promise<void> {
    for (let i = 0; i < 3000; i++) {
      if ((await store.alerts.outboxDepth()).pending === 0) return;
      await sleep(10);
    }
    throw new Error('the outbox did not drain');
  }

  const count = (method: string, path: RegExp) =>
    server.requests.filter((r) => r.method === method && path.test(r.path) && r.status !== 'dropped').length;

  describe('two delivery workers on one schema', { timeout: 120_000 }, () => {
    it('deliver an incident lifecycle: every operation once, in order per incident', async () => {
      await startServer();
      const [a, b] = [await member('a'), await member('b')];
      a.worker.start();
      b.worker.start();
      const alerts = Array.from({ length: INCIDENTS }, (_, i) => incident(i + 1));
      // Opens, then a reminder, then the resolution: each phase queued at once for every incident,
      // through one member or the other, while both workers poll the same outbox.
      for (const [op, via] of [
        ['open', a],
        ['remind', b],
        ['resolve', a],
      ] as const) {
        await queue(via.store, alerts, op);
        await drained(a.store);
      }

      const issues = server.issues(REPO);
      const perIssue = issues.map((issue) => server.commentsOn(REPO, issue.number).length);
      const delivered = a.calls.length + b.calls.length;
      console.log(
        `two workers: ${delivered} operations asked of the sinks (a ${a.calls.length}, b ${b.calls.length}); ` +
          `GitHub: ${count('POST', /\/issues$/)} issues created, ${count('POST', /\/comments$/)} comments, ` +
          `${issues.filter((i) => i.state === 'closed').length} closed; ${server.checked} requests checked, ` +
          `${server.violations.length} violations`,
      );
      expect(issues).toHaveLength(INCIDENTS);
      expect(count('POST', /\/issues$/)).toBe(INCIDENTS);
      expect(perIssue).toEqual(Array(INCIDENTS).fill(2));
      expect(issues.every((i) => i.state === 'closed')).toBe(true);
      // Each operation was asked once, of one member only, never retried.
      expect(delivered).toBe(3 * INCIDENTS);
      const asked = [...a.calls, ...b.calls].map((d) => d.id);
      expect(new Set(asked).size).toBe(asked.length);
      for (const alert of alerts) {
        const rows = await b.store.alerts.outbox(alert.id);
        expect(rows.map((r) => [r.op, r.state, r.attempts])).toEqual([
          ['open', 'done', 1],
          ['remind', 'done', 1],
          ['resolve', 'done', 1],
        ]);
        // In order at GitHub: the issue, then the reminder, then the resolution comment and close.
        const number = Number((await a.store.alerts.delivery(alert.id, 'github'))!.refId);
        const seqs = server.requests
          .filter((r) => r.method !== 'GET' && new RegExp(`/issues/${number}(/comments)?$`).test(r.path))
          .map((r) => `${r.method} ${r.path.endsWith('/comments') ? 'comment' : 'issue'}`);
        expect(seqs).toEqual(['POST comment', 'POST comment', 'PATCH issue']);
        const create = server.requests.find(
          (r) =>
            r.method === 'POST' && r.path.endsWith('/issues') && JSON.stringify(r.body).includes(alert.id),
        )!;
        expect(server.requests.find((r) => r.path.endsWith(`/issues/${number}`))!.seq).toBeGreaterThan(
          create.seq,
        );
      }
      expect(server.violations).toEqual([]);
    });

    it('a worker stopped mid-delivery keeps its claim; when it expires the other finds the issue by its marker', async () => {
      await startServer();
      const [a, b] = [await member('a'), await member('b')];
      const alert = incident(1);
      // The create happens at GitHub, but its answer is held: a is stopped before it sees it.
      server.delayAnswer({ method: 'POST', path: `/repos/${REPO}/issues` }, 60_000);
      a.worker.start();
      await queue(a.store, [alert], 'open');
      // (A held answer is logged when sent: look at GitHub's state instead.)
      while (server.issues(REPO).length === 0) await sleep(10);
      // a dies: its database goes first (nothing it does after reaches the store), then its sink.
      await a.store.close();
      await a.sink.close?.();
      await a.worker.stop();
      members = members.filter((m) => m !== a);

      const [row] = await b.store.alerts.outbox(alert.id);
      expect(row).toMatchObject({ state: 'pending', attempts: 1 });
      // a's claim is still held: b neither sees nor gets the row before it expires.
      expect(await b.store.alerts.heads(10, Date.now())).toEqual([]);
      expect(await b.store.alerts.claim(row!.id, 'member-b', Date.now(), Date.now() + 1000)).toBeUndefined();

      // Past the claim's expiry (b's clock runs ahead instead of the test waiting a minute).
      b.skew = DEFAULT_CLAIM_MS + 1000;
      const before = server.requests.length;
      b.worker.start();
      await drained(b.store);
      await queue(b.store, [alert], 'resolve');
      await drained(b.store);

      const byB = server.requests.slice(before);
      const creates = byB.filter((r) => r.method === 'POST' && r.path.endsWith('/issues')).length;
      console.log(
        `takeover: ${server.issues(REPO).length} issue(s) at GitHub, ${creates} create(s) by b, ` +
          `${count('GET', /\/issues$/)} marker search(es), ` +
          `b asked ${b.calls.map((d) => `${d.op}(prior ${d.priorAttempts})`).join(', ')}; ${server.violations.length} violations`,
      );
      expect(server.issues(REPO)).toHaveLength(1);
      expect(creates).toBe(0);
      expect(b.calls.map((d) => [d.op, d.priorAttempts])).toEqual([
        ['open', 1],
        ['resolve', 0],
      ]);
      const rows = await b.store.alerts.outbox(alert.id);
      expect(rows.map((r) => [r.op, r.state, r.attempts])).toEqual([
        ['open', 'done', 2],
        ['resolve', 'done', 1],
      ]);
      expect(await b.store.alerts.delivery(alert.id, 'github')).toMatchObject({
        state: 'resolved',
        refId: String(server.issues(REPO)[0]!.number),
      });
      expect(server.issues(REPO)[0]!.state).toBe('closed');
      expect(server.violations).toEqual([]);
    });
  });
}
