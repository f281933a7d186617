// Incident delivery end to end inside one collector: the real engine (scheduler, verdict, flush)
// on a fake clock, runners played by the test, the outbox worker and the GitHub sink talking to
// the local GitHub server.
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxRecord } from '../../collector/store/alert-types.ts';
import { checkResult, drive, type Harness, harness, START } from '../engine/harness.ts';
import { startGitHubServer } from '../support/github-server.ts';

const REPO = 'acme/ops';
const TOKEN = 'ghs_delivery_token';
const S = 1000;
const M = 60 * S;

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setup(
  options: {
    token?: string;
    alert?: Record<string, unknown>;
    secrets?: Record<string, string>;
    url?: string;
  } = {},
) {
  const server = await startGitHubServer({ repos: [REPO], tokens: { [TOKEN]: { login: 'vigil[bot]' } } });
  cleanup.push(() => server.close());
  const h = await harness({
    config: {
      githubRepository: REPO,
      githubToken: options.token ?? TOKEN,
      githubApiUrl: server.url,
      githubWriteSpacingMs: 0,
      githubRetryBaseMs: 5,
      incidentRetryBaseMs: 2 * S,
      incidentRetryMaxMs: 20 * S,
      publicUrl: 'https://status.example.invalid',
    },
  });
  cleanup.push(() => h.destroy());
  for (const region of ['r1', 'r2']) await h.register(region);
  await h.sync(
    [
      {
        id: 'shop',
        name: 'Shop',
        url: options.url ?? 'https://shop.example.invalid/',
        alert: { after: '3m', remind_every: '5m', labels: ['team:web'], ...options.alert },
      },
    ],
    options.secrets,
  );
  return { server, h };
}

/** Lets the ticks already started finish, and the outbox worker deliver what is due now. */
async function settle(h: Harness): Promise<void> {
  await h.app.vigil.incidents.settled();
}

async function outbox(h: Harness): Promise<OutboxRecord[]> {
  const [alert] = await h.app.vigil.store.alerts.list({ status: 'all', limit: 10 });
  return alert === undefined ? [] : h.app.vigil.store.alerts.outbox(alert.id);
}

interface IncidentsBody {
  incidents: Array<{
    id: string;
    open: boolean;
    alert: {
      id: string;
      status: string;
      outcome: string | null;
      deliveries: Array<{
        sink: string;
        state: string;
        issue: { number: number; url: string } | null;
        pending: number;
        failed: number;
        error: { code: string; message: string } | null;
      }>;
    } | null;
  }>;
}

// Minutes of fake time with the store and the local GitHub server in real time: several seconds
// idle, far more on a loaded machine.
describe('incidents as GitHub issues', { timeout: 180_000 }, () => {
  it('a blip shorter than alert.after is recorded, never announced', async () => {
    const { server, h } = await setup();
    await drive(h, 70 * S, () => true);
    await drive(h, 60 * S, () => false);
    await drive(h, 5 * M, () => true);
    await h.app.vigil.incidents.tick();
    await settle(h);
    expect(server.issues(REPO)).toEqual([]);
    expect(server.requests).toEqual([]);
    const body = await h.json<IncidentsBody>('/v1/incidents');
    expect(body.incidents).toHaveLength(1);
    expect(body.incidents[0]!.alert).toMatchObject({ status: 'closed', outcome: 'recorded', deliveries: [] });
  });

  it('an outage: one issue with the log at alert.after, reminders on time, recovery comment and close', async () => {
    const { server, h } = await setup();
    await drive(h, 70 * S, () => true);
    const failFrom = h.clock.now();
    await drive(h, 2 * M, () => false);
    await settle(h);
    expect(server.issues(REPO)).toEqual([]);
    // The outage lasts a minute past the second reminder, not a few seconds: the reminders follow
    // the announcement, which comes with the first timing tick after alert.after.
    await drive(h, 13 * M, () => false);
    await settle(h);

    const [issue] = server.issues(REPO);
    expect(server.issues(REPO)).toHaveLength(1);
    expect(issue!.title).toBe('Shop is down: status 500 is not 2xx');
    expect(issue!.labels).toEqual(['vigil', 'incident', 'monitor:shop', 'team:web']);
    expect(issue!.body).toContain('<!-- vigil:incident:shop:down:');
    expect(issue!.body).toContain('<summary>Response log of the first failing check');
    expect(issue!.body).toContain('GET / HTTP/1.1');
    expect(issue!.body).toContain('boom');
    expect(issue!.body).toMatch(
      /\| r1 \| ❌ down \| <code>status<\/code> \| 500 \| <code>127\.0\.0\.1<\/code> \|/,
    );
    expect(issue!.body).toContain(
      '[Monitor history](https://status.example.invalid/v1/monitors/shop/checks)',
    );

    const [alert] = await h.app.vigil.store.alerts.list({ status: 'all', limit: 10 });
    expect(alert!.start).toBeGreaterThanOrEqual(failFrom);
    // Announced once it lasted 3 minutes, not before; reminders 5 minutes apart after that, on a
    // fixed schedule. (How soon after being due depends on how fast the tick runs while the fake
    // clock moves on, so only "not before" is asserted; bench/ measures the delay.)
    expect(alert!.announcedAt! - alert!.start).toBeGreaterThanOrEqual(3 * M);
    const rows = await outbox(h);
    expect(rows.map((r) => r.op)).toEqual(['open', 'remind', 'remind']);
    expect(rows[0]!.createdAt).toBe(alert!.announcedAt);
    expect(rows[1]!.createdAt - alert!.announcedAt!).toBeGreaterThanOrEqual(5 * M);
    expect(rows[2]!.createdAt - alert!.announcedAt!).toBeGreaterThanOrEqual(10 * M);
    expect(rows[2]!.createdAt - alert!.announcedAt!).toBeLessThan(15 * M);
    expect(alert!.lastReminderAt! - alert!.announcedAt!).toBe(10 * M);
    expect(rows.every((r) => r.state === 'done')).toBe(true);
    const comments = server.commentsOn(REPO, issue!.number);
    expect(comments.map((c) => c.body.split('\n')[0])).toEqual([
      expect.stringMatching(/^⏰ \*\*Shop\*\* is still down after \*\*8m( \d+s)?\*\*/),
      expect.stringMatching(/^⏰ \*\*Shop\*\* is still down after \*\*13m( \d+s)?\*\*/),
    ]);

    // Recovery: a comment with start, end (the last failing check) and duration, then closed.
    await drive(h, 2 * M, () => true);
    await settle(h);
    const closed = server.issues(REPO)[0]!;
    expect(closed.state).toBe('closed');
    expect(closed.state_reason).toBe('completed');
    const last = server.commentsOn(REPO, issue!.number).at(-1)!.body;
    const [resolved] = await h.app.vigil.store.alerts.list({ status: 'all', limit: 10 });
    expect(resolved).toMatchObject({ status: 'closed', outcome: 'announced' });
    expect(last).toContain('✅ **Shop** is up again.');
    expect(last).toContain(
      `| Started | ${new Date(resolved!.start).toISOString().slice(0, 19).replace('T', ' ')} UTC |`,
    );
    expect(last).toContain(
      `| Ended (last failing check) | ${new Date(resolved!.end!).toISOString().slice(0, 19).replace('T', ' ')} UTC |`,
    );
    expect(last).toContain(`| Failed checks | ${resolved!.failedChecks} |`);
    expect(server.issues(REPO)).toHaveLength(1);

    const body = await h.json<IncidentsBody>('/v1/incidents');
    expect(body.incidents[0]!.alert!.deliveries).toEqual([
      expect.objectContaining({
        sink: 'github',
        state: 'resolved',
        issue: { number: issue!.number, url: `${server.url}/web/${REPO}/issues/${issue!.number}` },
        pending: 0,
        failed: 0,
        error: null,
      }),
    ]);
    // Nothing more happens later.
    const requests = server.requests.length;
    await drive(h, 10 * M, () => true);
    await settle(h);
    expect(server.requests.length).toBe(requests);
  });

  it('GitHub answering 500, then 429 with retry-after, for a while: everything delivered after, in order', async () => {
    const { server, h } = await setup({ alert: { after: '0s', remind_every: '5m' } });
    const errors = server.failWith500({}, Number.POSITIVE_INFINITY, 500);
    await drive(h, 70 * S, () => true);
    await drive(h, 5 * M, () => false);
    errors.remove();
    const limited = server.fail({
      times: 6,
      status: 429,
      headers: { 'retry-after': '1' },
      body: { message: 'Too Many Requests' },
    });
    await drive(h, 8 * M, () => false);
    await drive(h, 2 * M, () => true);
    // Let the retries run out their backoff (fake time) until the queue is empty.
    for (let i = 0; i < 60 && (await outbox(h)).some((r) => r.state === 'pending'); i++) {
      await h.advance(10 * S);
      await settle(h);
    }
    expect(limited.used).toBe(6);
    const rows = await outbox(h);
    expect(rows.every((r) => r.state === 'done' || r.state === 'skipped')).toBe(true);
    expect(rows.some((r) => r.attempts > 1)).toBe(true);
    // One issue; stale reminders were folded (skipped), the rest delivered in order.
    expect(server.issues(REPO)).toHaveLength(1);
    const issue = server.issues(REPO)[0]!;
    expect(issue.state).toBe('closed');
    const handled = server.requests.filter((r) => !r.injected && r.method !== 'GET');
    const kinds = handled.map((r) =>
      r.path.endsWith('/labels')
        ? 'label'
        : r.method === 'PATCH'
          ? 'close'
          : r.path.endsWith('/comments')
            ? 'comment'
            : 'create',
    );
    expect(kinds.filter((k) => k !== 'label')).toEqual([
      'create',
      ...Array(kinds.filter((k) => k === 'comment').length).fill('comment'),
      'close',
    ]);
    const comments = server.commentsOn(REPO, issue.number);
    expect(comments.at(-1)!.body).toContain('is up again');
    expect(comments.slice(0, -1).every((c) => c.body.includes('is still down'))).toBe(true);
  });

  it('a bad token: recorded as failed with its code, shown in GET /v1/incidents, not retried', async () => {
    const { server, h } = await setup({ token: 'wrong-token', alert: { after: '0s' } });
    await drive(h, 70 * S, () => true);
    await drive(h, 3 * M, () => false);
    await settle(h);
    const tries = server.requests.length;
    expect(tries).toBeGreaterThan(0);
    expect(server.requests.every((r) => r.status === 401)).toBe(true);
    await drive(h, 6 * M, () => false);
    await drive(h, 2 * M, () => true);
    await settle(h);
    // The create failed once for good; the reminders and the resolution had no issue to go to.
    expect(server.requests.length).toBe(tries);
    const rows = await outbox(h);
    expect(rows[0]).toMatchObject({
      op: 'open',
      state: 'failed',
      errorCode: 'VIGIL_ERR_SINK_AUTH',
      attempts: 1,
    });
    expect(rows.slice(1).every((r) => r.state === 'failed' || r.state === 'skipped')).toBe(true);
    const body = await h.json<IncidentsBody>('/v1/incidents');
    expect(body.incidents[0]!.alert!.deliveries[0]).toMatchObject({
      sink: 'github',
      state: 'failed',
      issue: null,
      pending: 0,
      error: { code: 'VIGIL_ERR_SINK_AUTH' },
    });
    expect(body.incidents[0]!.alert!.deliveries[0]!.error!.message).toContain('HTTP 401');
  });

  it('an issue a person closed is not reopened or commented; a new incident gets a new issue', async () => {
    const { server, h } = await setup({ alert: { after: '0s', remind_every: '5m' } });
    await drive(h, 70 * S, () => true);
    await drive(h, 2 * M, () => false);
    await settle(h);
    const first = server.issues(REPO)[0]!;
    // Someone closes it by hand.
    first.state = 'closed';
    first.state_reason = 'not_planned';
    await drive(h, 5 * M, () => false);
    await drive(h, 2 * M, () => true);
    await settle(h);
    expect(server.commentsOn(REPO, first.number)).toEqual([]);
    expect(server.issues(REPO)[0]).toMatchObject({ state: 'closed', state_reason: 'not_planned' });
    expect(server.requests.some((r) => r.method === 'PATCH')).toBe(false);
    const body = await h.json<IncidentsBody>('/v1/incidents');
    expect(body.incidents[0]!.alert!.deliveries[0]).toMatchObject({ state: 'closed_by_human' });

    // A new outage is a new incident: a new issue.
    await drive(h, 2 * M, () => false);
    await settle(h);
    expect(server.issues(REPO)).toHaveLength(2);
    expect(server.issues(REPO)[1]!.state).toBe('open');
  });

  it('a failure during recovery_after continues the same incident and issue', async () => {
    const { server, h } = await setup({ alert: { after: '0s', remind_every: '0s', recovery_after: '5m' } });
    await drive(h, 70 * S, () => true);
    await drive(h, 2 * M, () => false);
    await drive(h, 2 * M, () => true);
    await settle(h);
    expect(server.issues(REPO)[0]!.state).toBe('open');
    await drive(h, 2 * M, () => false);
    await drive(h, 7 * M, () => true);
    await settle(h);
    expect(server.issues(REPO)).toHaveLength(1);
    const issue = server.issues(REPO)[0]!;
    expect(issue.state).toBe('closed');
    expect(server.commentsOn(REPO, issue.number)).toHaveLength(1);
    const [alert] = await h.app.vigil.store.alerts.list({ status: 'all', limit: 10 });
    expect(alert!.incidentIds).toHaveLength(2);
    const incidents = await h.json<IncidentsBody>('/v1/incidents');
    expect(incidents.incidents).toHaveLength(2);
    expect(new Set(incidents.incidents.map((i) => i.alert!.id))).toEqual(new Set([alert!.id]));
  });

  it('a secret value never reaches GitHub', async () => {
    const CANARY = 'canary-5e3c7a1b9d';
    const { server, h } = await setup({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
      url: 'https://shop.example.invalid/?token=${SHOP_TOKEN}',
      secrets: { SHOP_TOKEN: CANARY },
      alert: { after: '0s', remind_every: '5m', mentions: ['@ops'] },
    });
    await drive(h, 70 * S, () => true);
    // Every failing response echoes the secret: request line, headers, body, connection log.
    const echo = {
      request: { line: `GET /?token=${CANARY} HTTP/1.1`, headers: { authorization: `Bearer ${CANARY}` } },
      response: { status: 500, headers: { 'x-echo': CANARY } },
      body: `bad token ${CANARY} / ${encodeURIComponent(CANARY)}`,
      bodyTruncated: false,
      connection: [`GET https://shop.example.invalid/?token=${CANARY}`],
    };
    for (let t = 0; t < 7 * M; t += S) {
      for (const runner of h.runners) {
        const jobs = await h.claim(runner, 50, 0);
        if (jobs.length === 0) continue;
        await h.post(
          runner,
          jobs.map((job) => ({
            jobId: job.jobId,
            result: checkResult(false, h.clock.now(), { message: `status 500 for ${CANARY}`, log: echo }),
          })),
        );
      }
      await h.advance(S);
    }
    await settle(h);

    // Delivery redacts on its own too: an operation queued with the value in it (as a snapshot
    // from before a secret was added would be) goes out without it.
    const [alert] = await h.app.vigil.store.alerts.list({ status: 'all', limit: 10 });
    await h.app.vigil.store.alerts.write((tx) =>
      tx.enqueue([
        {
          alertId: alert!.id,
          sink: 'github',
          op: 'remind',
          snapshot: {
            op: 'remind',
            alert: { ...alert!, votes: [{ ...alert!.votes[0]!, region: CANARY }] },
            at: h.clock.now(),
          },
          at: h.clock.now(),
        },
      ]),
    );
    h.app.vigil.incidents.worker.kick();
    await settle(h);
    await drive(h, 2 * M, () => true);
    await settle(h);

    const issue = server.issues(REPO)[0]!;
    expect(server.issues(REPO)).toHaveLength(1);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
    expect(issue.body).toContain('${SHOP_TOKEN}');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
    expect(issue.body).toContain('bad token ${SHOP_TOKEN}');
    expect(
      server
        .commentsOn(REPO, issue.number)
        .map((c) => c.body)
        .join(),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
    ).toContain('| ${SHOP_TOKEN} | ❌ down |');
    const everything = JSON.stringify(server.requests.map((r) => [r.path, r.query, r.body, r.headers]));
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain(encodeURIComponent(CANARY));
    expect(START).toBeLessThan(h.clock.now());
  });
});
