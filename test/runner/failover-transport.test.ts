// The failover transport against real HTTP servers on loopback: a collector that does not answer
// or answers 5xx moves the runner to the next (the error is still thrown, so the loop backs off
// and repeats the call there); a 4xx does not move; a claim answered `drain` moves; the results a
// collector accepted just before a move are what delivered.ts hands back for the next.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveredLog } from '../../runner/delivered.ts';
import { createFailoverTransport, splitCollectorUrls } from '../../runner/failover-transport.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

type Answer = { status: number; body: unknown };

async function collector(answer: () => Answer): Promise<{ url: string; calls: string[] }> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    calls.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      const { status, body } = answer();
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  closers.push(() => new Promise((done) => server.close(() => done())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

const heartbeat = { inFlight: 0, free: 1 };

describe('failover transport', () => {
  it('splits a comma list', () => {
    expect(splitCollectorUrls(' http://a:1 , http://b:2,,')).toEqual(['http://a:1', 'http://b:2']);
  });

  it('moves on 5xx and on no answer, not on 4xx', async () => {
    let aStatus = 503;
    const a = await collector(() =>
      aStatus === 503
        ? { status: 503, body: { code: 'VIGIL_ERR_STORAGE_IO', message: 'down' } }
        : { status: 401, body: { code: 'VIGIL_ERR_RUNNER_UNKNOWN', message: 'register again' } },
    );
    const b = await collector(() => ({ status: 200, body: { ok: true } }));
    const closed = await collector(() => ({ status: 200, body: { ok: true } }));
    await closers.pop()!(); // `closed` answers nothing now: connection refused
    const moves: Array<[string, string]> = [];
    const t = createFailoverTransport({ urls: [a.url, b.url, closed.url], key: 'k', timeoutMs: 2_000 });
    closers.push(() => t.close());
    t.onSwitch((from, to) => moves.push([from, to]));

    await expect(t.heartbeat('tok', heartbeat)).rejects.toMatchObject({ statusCode: 503 });
    expect(t.current).toBe(b.url);
    expect(await t.heartbeat('tok', heartbeat)).toEqual({ ok: true });
    expect(b.calls).toEqual(['/v1/runners/heartbeat']);
    expect(moves).toEqual([[a.url, b.url]]);

    // Through b to the refused one, then round to a, which now answers 401: no move.
    const t2 = createFailoverTransport({ urls: [closed.url, a.url], key: 'k', timeoutMs: 2_000 });
    closers.push(() => t2.close());
    await expect(t2.heartbeat('tok', heartbeat)).rejects.toMatchObject({ code: 'VIGIL_ERR_UNREACHABLE' });
    expect(t2.current).toBe(a.url);
    aStatus = 401;
    await expect(t2.heartbeat('tok', heartbeat)).rejects.toMatchObject({
      code: 'VIGIL_ERR_RUNNER_UNKNOWN',
      statusCode: 401,
    });
    expect(t2.current).toBe(a.url);
    expect(t2.switches).toBe(1);
  });

  it('moves when a claim answers drain, and claims from the next at once', async () => {
    const a = await collector(() => ({ status: 200, body: { jobs: [], drain: true } }));
    const b = await collector(() => ({ status: 200, body: { jobs: [] } }));
    const t = createFailoverTransport({ urls: [a.url, b.url], key: 'k' });
    closers.push(() => t.close());
    expect(await t.claim('tok', { max: 1, wait: 0, inFlight: 0 })).toEqual({ jobs: [], drain: false });
    expect(t.current).toBe(b.url);
  });

  it('keeps what a collector accepted for a few seconds, by collector', () => {
    const log = new DeliveredLog(5_000, 3);
    const r = (jobId: string) => ({ jobId, result: { ok: true } as never });
    log.accepted('A', [r('1'), r('2')], 1_000);
    log.accepted('B', [r('3')], 2_000);
    log.accepted('A', [r('4')], 7_000); // 1 and 2 are past the window (and over the bound)
    expect(log.takeFrom('A', 7_000).map((x) => x.jobId)).toEqual(['4']);
    expect(log.takeFrom('B', 7_000).map((x) => x.jobId)).toEqual(['3']);
    expect(log.size).toBe(0);
  });
});
