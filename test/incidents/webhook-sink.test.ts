// The webhook sink against a real receiver on loopback that checks the signature as a user would.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Operation } from '../../collector/domain/alerts.ts';
import { renderOperation } from '../../collector/incidents/bodies.ts';
import type { Delivery, IncidentSink } from '../../collector/incidents/sink.ts';
import { SinkError } from '../../collector/incidents/sink.ts';
import { signWebhook, verifyWebhook } from '../../collector/incidents/webhook/signature.ts';
import { webhookSink } from '../../collector/incidents/webhook/sink.ts';
import { closedPort } from '../support/target-server.ts';
import { snapshot, T0 } from './fixtures.ts';

const SECRET = 'whsec-test-0123456789';

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  verdict: ReturnType<typeof verifyWebhook>;
}

let receiver: http.Server;
let url: string;
let received: Received[];
/** What the receiver answers next (status, headers); default 200. */
let answers: Array<{ status: number; headers?: Record<string, string> }>;

beforeEach(async () => {
  received = [];
  answers = [];
  receiver = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const verdict = verifyWebhook(
      SECRET,
      {
        signature: req.headers['x-vigil-signature'] as string | undefined,
        timestamp: req.headers['x-vigil-timestamp'] as string | undefined,
      },
      raw,
      Date.now(),
    );
    received.push({ headers: req.headers, raw, verdict });
    const answer = answers.shift() ?? { status: verdict === 'valid' ? 200 : 401 };
    res.writeHead(answer.status, answer.headers ?? {});
    res.end();
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/vigil`;
});

afterEach(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

function make(secret: string | null = SECRET, target = url): IncidentSink {
  return webhookSink.create({ url: target, secret }, { now: Date.now, log: { warn() {}, info() {} } });
}

function delivery(op: Operation, id = 7): Delivery {
  const snap = snapshot(op);
  return {
    id,
    op,
    alertId: snap.alert.id,
    priorAttempts: 0,
    queuedAt: T0,
    message: renderOperation(snap, {
      now: T0 + 300_000,
      publicUrl: 'https://status.example.invalid',
      deliveryId: id,
    }),
    ref: null,
    data: { id: snap.alert.id, kind: 'down', status: op === 'resolve' ? 'resolved' : 'open' },
  };
}

async function failure(promise: Promise<unknown>): Promise<SinkError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SinkError);
  return error as SinkError;
}

describe('webhook sink', () => {
  it('POSTs Slack-compatible JSON with a signature the receiver verifies', async () => {
    await make().open(delivery('open'));
    expect(received).toHaveLength(1);
    const [message] = received;
    expect(message!.verdict).toBe('valid');
    expect(message!.headers['content-type']).toBe('application/json');
    expect(message!.headers['x-vigil-event']).toBe('incident.opened');
    expect(message!.headers['x-vigil-delivery']).toBe('7');
    expect(message!.headers['x-vigil-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    const body = JSON.parse(message!.raw);
    expect(body.text).toBe(
      '🔴 API is down: status 500 is not 2xx (since 2026-01-05 12:00:00 UTC) https://status.example.invalid/',
    );
    expect(body).toMatchObject({
      event: 'incident.opened',
      delivery: 7,
      incident: {
        id: `api:down:${T0}`,
        kind: 'down',
        status: 'open',
        title: 'API is down: status 500 is not 2xx',
      },
    });
    // The signature covers the timestamp and the raw body: a changed body or an old message fails.
    const ts = Number(message!.headers['x-vigil-timestamp']);
    expect(message!.headers['x-vigil-signature']).toBe(signWebhook(SECRET, ts, message!.raw));
    const headers = { signature: message!.headers['x-vigil-signature'] as string, timestamp: String(ts) };
    expect(verifyWebhook(SECRET, headers, `${message!.raw} `, Date.now())).toBe('mismatch');
    expect(verifyWebhook('other-secret', headers, message!.raw, Date.now())).toBe('mismatch');
    expect(verifyWebhook(SECRET, headers, message!.raw, Date.now() + 3_600_000)).toBe('expired');
    expect(
      verifyWebhook(SECRET, { signature: undefined, timestamp: undefined }, message!.raw, Date.now()),
    ).toBe('missing');
  });

  it('reminder and resolution events', async () => {
    const sink = make();
    await sink.remind(delivery('remind', 8));
    await sink.resolve(delivery('resolve', 9));
    expect(received.map((r) => r.headers['x-vigil-event'])).toEqual([
      'incident.reminder',
      'incident.resolved',
    ]);
    expect(received.every((r) => r.verdict === 'valid')).toBe(true);
  });

  it('without a secret: unsigned', async () => {
    answers.push({ status: 204 });
    await make(null).open(delivery('open'));
    expect(received[0]!.headers['x-vigil-signature']).toBeUndefined();
    expect(received[0]!.verdict).toBe('missing');
  });

  it('failures: 5xx and 429 are transient (with retry-after), other 4xx and redirects permanent', async () => {
    const sink = make();
    answers.push({ status: 503 });
    expect(await failure(sink.open(delivery('open')))).toMatchObject({
      code: 'VIGIL_ERR_SINK_UNAVAILABLE',
      transient: true,
    });
    answers.push({ status: 429, headers: { 'retry-after': '30' } });
    const limited = await failure(sink.open(delivery('open')));
    expect(limited).toMatchObject({ code: 'VIGIL_ERR_SINK_RATE_LIMITED', transient: true });
    expect(limited.retryAt).toBeGreaterThan(Date.now() + 25_000);
    answers.push({ status: 404 });
    expect(await failure(sink.open(delivery('open')))).toMatchObject({
      code: 'VIGIL_ERR_SINK_NOT_FOUND',
      transient: false,
    });
    answers.push({ status: 400 });
    expect(await failure(sink.open(delivery('open')))).toMatchObject({
      code: 'VIGIL_ERR_SINK_REJECTED',
      transient: false,
    });
    answers.push({ status: 302, headers: { location: 'http://127.0.0.1:1/' } });
    expect(await failure(sink.open(delivery('open')))).toMatchObject({
      code: 'VIGIL_ERR_SINK_REJECTED',
      transient: false,
    });
    // the receiver refuses a wrong signature: a permanent 401
    expect(await failure(make('wrong-secret').open(delivery('open')))).toMatchObject({
      code: 'VIGIL_ERR_SINK_AUTH',
      transient: false,
    });
  });

  it('nobody listening: transient VIGIL_ERR_SINK_NETWORK', async () => {
    // Not a port bound and released here: a later port-0 bind anywhere may be handed it again.
    const port = await closedPort();
    const error = await failure(make(SECRET, `http://127.0.0.1:${port}/`).open(delivery('open')));
    expect(error).toMatchObject({ code: 'VIGIL_ERR_SINK_NETWORK', transient: true });
  });

  it('validate: an http(s) URL', () => {
    expect(webhookSink.validate({ url: 'mailto:x@example.invalid', secret: null })).toEqual([
      {
        sink: 'webhook',
        setting: 'VIGIL_WEBHOOK_URL',
        message: 'expected an http(s) URL, got `mailto:x@example.invalid`',
      },
    ]);
    expect(webhookSink.validate({ url: 'https://hooks.example.invalid/x', secret: null })).toEqual([]);
  });
});
