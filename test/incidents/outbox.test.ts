// The outbox worker on a real SQLite store, with a scripted sink standing in for GitHub: order per
// lane, lanes in parallel, backoff and retry-after, permanent failures, superseded reminders.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert, Operation } from '../../collector/domain/alerts.ts';
import { backoff, OutboxWorker } from '../../collector/incidents/outbox.ts';
import type { Delivery, IncidentSink, SinkName, SinkOutcome } from '../../collector/incidents/sink.ts';
import { SinkError } from '../../collector/incidents/sink.ts';
import { openSqliteStore, type SqliteStore } from '../../collector/store/sqlite/index.ts';
import { makeAlert, snapshot, T0 } from './fixtures.ts';

type Script = (delivery: Delivery) => SinkOutcome | SinkError | Promise<SinkOutcome | SinkError>;

/** A sink that records what it was asked and answers as the test scripts. */
class ScriptedSink implements IncidentSink {
  readonly name: SinkName;
  calls: Delivery[] = [];
  script: Script = (d) => (d.op === 'open' ? { ref: { id: '7', url: 'https://example.invalid/7' } } : {});
  constructor(name: SinkName) {
    this.name = name;
  }
  #run = async (delivery: Delivery) => {
    this.calls.push(delivery);
    const answer = await this.script(delivery);
    if (answer instanceof SinkError) throw answer;
    return answer;
  };
  open = this.#run;
  remind = this.#run;
  resolve = this.#run;
}

let dir: string;
let store: SqliteStore;
let now: number;
let github: ScriptedSink;
let worker: OutboxWorker | null;
const log = { info() {}, warn() {}, error() {} };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-outbox-'));
  store = await openSqliteStore({ path: join(dir, 'vigil.db') });
  now = T0;
  github = new ScriptedSink('github');
  worker = null;
});

afterEach(async () => {
  await worker?.stop();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function start(sinks: IncidentSink[] = [github]): OutboxWorker {
  worker = new OutboxWorker({
    alerts: store.alerts,
    sinks: new Map(sinks.map((s) => [s.name, s])),
    clock: () => now,
    log,
    secretsOf: async () => ({ API_KEY: 'sekret-value' }),
    publicUrl: null,
    retryBaseMs: 1000,
    retryMaxMs: 8000,
    pollMs: 20,
  });
  worker.start();
  return worker;
}

async function queue(alert: Alert, ops: Operation[], sink = 'github'): Promise<void> {
  await store.alerts.write(async (tx) => {
    await tx.saveAlert(alert);
    await tx.enqueue(
      ops.map((op) => ({ alertId: alert.id, sink, op, snapshot: snapshot(op, alert), at: now })),
    );
  });
}

const rows = (alert: Alert) => store.alerts.outbox(alert.id);

describe('outbox worker', () => {
  it('delivers each lane in order, handing the issue from open to the later operations', async () => {
    const alert = makeAlert();
    await queue(alert, ['open', 'resolve']);
    await start().idle();
    expect(github.calls.map((c) => [c.op, c.ref])).toEqual([
      ['open', null],
      ['resolve', { id: '7', url: 'https://example.invalid/7' }],
    ]);
    expect((await rows(alert)).map((r) => [r.op, r.state, r.attempts])).toEqual([
      ['open', 'done', 1],
      ['resolve', 'done', 1],
    ]);
    expect(await store.alerts.delivery(alert.id, 'github')).toMatchObject({ state: 'resolved', refId: '7' });
  });

  it('lanes run side by side: a stuck incident does not hold up another', async () => {
    const stuck = makeAlert({ id: 'a:down:1' });
    const other = makeAlert({ id: 'b:down:1' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    github.script = async (d) => {
      if (d.alertId === stuck.id) await gate;
      return d.op === 'open' ? { ref: { id: d.alertId, url: null } } : {};
    };
    await queue(stuck, ['open', 'resolve']);
    await queue(other, ['open', 'resolve']);
    const w = start();
    // Polled with a deadline far above what two deliveries take on a loaded machine.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await rows(other)).some((r) => r.state === 'pending')) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await rows(other)).map((r) => r.state)).toEqual(['done', 'done']);
    expect((await rows(stuck)).map((r) => r.state)).toEqual(['pending', 'pending']);
    release();
    await w.idle();
    expect((await rows(stuck)).map((r) => r.state)).toEqual(['done', 'done']);
    // Within a lane the order held: the stuck incident's resolve came after its open.
    const stuckCalls = github.calls.filter((c) => c.alertId === stuck.id).map((c) => c.op);
    expect(stuckCalls).toEqual(['open', 'resolve']);
  });

  it('transient failures back off (doubling, capped) and never before retry-after; tries are counted', async () => {
    const alert = makeAlert();
    let failures = 3;
    github.script = (d) => {
      if (failures-- > 0) {
        return new SinkError('VIGIL_ERR_SINK_RATE_LIMITED', 'slow down', {
          transient: true,
          status: 429,
          retryAt: failures === 0 ? now + 30_000 : null,
        });
      }
      return d.op === 'open' ? { ref: { id: '7', url: null } } : {};
    };
    await queue(alert, ['open']);
    const w = start();
    await w.idle();
    let [row] = await rows(alert);
    expect(row).toMatchObject({ state: 'pending', attempts: 1, errorCode: 'VIGIL_ERR_SINK_RATE_LIMITED' });
    expect(row!.nextAttemptAt).toBe(T0 + 1000);
    expect(github.calls[0]!.priorAttempts).toBe(0);

    now += 1000;
    w.kick();
    await w.idle();
    [row] = await rows(alert);
    expect(row).toMatchObject({ state: 'pending', attempts: 2 });
    expect(row!.nextAttemptAt).toBe(now + 2000);

    now += 2000;
    w.kick();
    await w.idle();
    [row] = await rows(alert);
    // The answer asked for 30 s: that wins over the 4 s backoff.
    expect(row!.nextAttemptAt).toBe(now + 30_000);
    now += 29_000;
    w.kick();
    await w.idle();
    expect(github.calls).toHaveLength(3);
    now += 1000;
    w.kick();
    await w.idle();
    expect(github.calls.map((c) => c.priorAttempts)).toEqual([0, 1, 2, 3]);
    expect((await rows(alert))[0]).toMatchObject({ state: 'done', attempts: 4 });
    expect(backoff(1, 1000, 8000)).toBe(1000);
    expect(backoff(3, 1000, 8000)).toBe(4000);
    expect(backoff(10, 1000, 8000)).toBe(8000);
  });

  it('a permanent failure is recorded once, not retried; what follows in its lane has no issue to go to', async () => {
    const alert = makeAlert();
    github.script = (d) =>
      d.op === 'open'
        ? new SinkError('VIGIL_ERR_SINK_NOT_FOUND', 'create issue: Not Found (HTTP 404)', {
            transient: false,
            status: 404,
          })
        : {};
    await queue(alert, ['open', 'remind', 'resolve']);
    const w = start();
    await w.idle();
    now += 60 * 60_000;
    w.kick();
    await w.idle();
    expect(github.calls.map((c) => c.op)).toEqual(['open']);
    expect((await rows(alert)).map((r) => [r.op, r.state, r.errorCode])).toEqual([
      ['open', 'failed', 'VIGIL_ERR_SINK_NOT_FOUND'],
      ['remind', 'failed', 'VIGIL_ERR_SINK_NO_ISSUE'],
      ['resolve', 'failed', 'VIGIL_ERR_SINK_NO_ISSUE'],
    ]);
    expect(await store.alerts.delivery(alert.id, 'github')).toMatchObject({
      state: 'failed',
      errorCode: 'VIGIL_ERR_SINK_NOT_FOUND',
      error: 'create issue: Not Found (HTTP 404)',
    });
  });

  it('a reminder with a newer update queued behind it is skipped', async () => {
    const alert = makeAlert();
    github.script = (d) =>
      d.op === 'open' && d.priorAttempts === 0
        ? new SinkError('VIGIL_ERR_SINK_UNAVAILABLE', 'down', { transient: true, status: 503 })
        : d.op === 'open'
          ? { ref: { id: '7', url: null } }
          : {};
    await queue(alert, ['open', 'remind', 'remind', 'remind']);
    const w = start();
    await w.idle();
    now += 1000;
    w.kick();
    await w.idle();
    expect(github.calls.map((c) => c.op)).toEqual(['open', 'open', 'remind']);
    expect((await rows(alert)).map((r) => r.state)).toEqual(['done', 'skipped', 'skipped', 'done']);
  });

  it('after a person closed the issue the rest of the lane is skipped', async () => {
    const alert = makeAlert();
    github.script = (d) => (d.op === 'open' ? { ref: { id: '7', url: null } } : { closedByHuman: true });
    await queue(alert, ['open', 'remind']);
    const w = start();
    await w.idle();
    await queue(alert, ['resolve']);
    w.kick();
    await w.idle();
    expect(github.calls.map((c) => c.op)).toEqual(['open', 'remind']);
    expect((await rows(alert)).map((r) => r.state)).toEqual(['done', 'skipped', 'skipped']);
    expect(await store.alerts.delivery(alert.id, 'github')).toMatchObject({
      state: 'closed_by_human',
      refId: '7',
    });
  });

  it('shutting down mid-try: the try is cut short and the row is due again at once after the restart', async () => {
    const alert = makeAlert();
    let abort!: (error: SinkError) => void;
    const started = new Promise<void>((ready) => {
      github.script = () =>
        new Promise<SinkError>((resolve) => {
          abort = resolve;
          ready();
        });
    });
    await queue(alert, ['open']);
    const w = start();
    await started;
    const stopping = w.stop();
    // What closing the sink does to a request in flight.
    abort(new SinkError('VIGIL_ERR_SINK_NETWORK', 'aborted', { transient: true }));
    await stopping;
    worker = null;
    expect((await rows(alert))[0]).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: now });
  });

  it('killed mid-try: the restarted collector takes the row its previous process held at once', async () => {
    const alert = makeAlert();
    await queue(alert, ['open']);
    // The previous process claimed the row and counted its try, then died (nothing released).
    const [head] = await store.alerts.heads(10);
    await store.alerts.claim(head!.id, 'previous-process', now, now + 60_000);
    await store.alerts.startAttempt(head!.id);
    await start().idle();
    // Without waiting out the claim, and as an uncertain try (the sink checks its marker first).
    expect(github.calls.map((c) => [c.op, c.priorAttempts])).toEqual([['open', 1]]);
    expect((await rows(alert)).map((r) => [r.state, r.attempts])).toEqual([['done', 2]]);
  });

  it('a sink no longer configured: failed with VIGIL_ERR_SINK_NOT_CONFIGURED', async () => {
    const alert = makeAlert();
    await queue(alert, ['open'], 'webhook');
    await start().idle();
    expect((await rows(alert))[0]).toMatchObject({
      state: 'failed',
      errorCode: 'VIGIL_ERR_SINK_NOT_CONFIGURED',
    });
  });

  it('messages are redacted with the monitor secrets at delivery; the webhook gets a stable delivery id', async () => {
    const webhook = new ScriptedSink('webhook');
    const alert = makeAlert({
      firstFailure: { region: 'eu', jobId: 'j', at: T0, message: 'token sekret-value refused', log: null },
    });
    webhook.script = (d) =>
      d.priorAttempts > 0 ? {} : new SinkError('VIGIL_ERR_SINK_NETWORK', 'reset', { transient: true });
    await queue(alert, ['open'], 'webhook');
    const w = start([webhook]);
    await w.idle();
    now += 1000;
    w.kick();
    await w.idle();
    expect(webhook.calls).toHaveLength(2);
    expect(webhook.calls[0]!.id).toBe(webhook.calls[1]!.id);
    expect(JSON.stringify(webhook.calls)).not.toContain('sekret-value');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
    expect(webhook.calls[1]!.message.title).toBe('API is down: token ${API_KEY} refused');
  });
});
