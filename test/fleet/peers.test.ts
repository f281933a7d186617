// The peer broker through a database outage: the cluster's members are read from the store, and
// when that read fails the collector keeps claiming from the peers it last knew (their queues
// still fill in their own memory), instead of serving only its own queue until the store is back.
// The peer is a real HTTP server on loopback answering the internal claims route.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerBroker } from '../../collector/fleet/peers.ts';
import type { RunnerSession } from '../../collector/fleet/registry.ts';
import type { JobBroker } from '../../collector/fleet/service.ts';
import { StorageError } from '../../collector/store/errors.ts';
import { silentLogger } from '../../common/log.ts';
import type { Job } from '../../runner/protocol.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A peer whose due queue always holds one job; counts the claims it answered. */
async function peer(): Promise<{ url: string; claims: () => number }> {
  let claims = 0;
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (
        request.url !== '/internal/v1/claims' ||
        request.headers.authorization !== 'Bearer s3cret-s3cret-s3cret'
      ) {
        response.writeHead(404).end();
        return;
      }
      claims += 1;
      const job = { jobId: `peer-${claims}`, monitorId: 'm1', deadline: Date.now() + 60_000 } as Job;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jobs: [job] }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, claims: () => claims };
}

const idle: JobBroker = {
  draining: false,
  claim: async () => [],
  acceptResults: async () => ({ accepted: 0, duplicates: 0 }) as never,
  runnerGone: () => {},
};

describe('claims from peers while the store is away', () => {
  it('keeps asking the peers last known when reading the members fails', async () => {
    const p = await peer();
    let now = 1_000_000;
    let storeUp = true;
    const broker = new PeerBroker({
      engine: idle,
      selfId: 'me',
      secret: 's3cret-s3cret-s3cret',
      clock: () => now,
      log: silentLogger,
      members: async () => {
        if (!storeUp)
          throw new StorageError('VIGIL_STORE_IO', 'postgres://127.0.0.1/test', 'Connection terminated');
        return [{ id: 'other', url: p.url, startedAt: 0, heartbeatAt: now }];
      },
    });
    const session = { id: 'r1', region: 'a' } as RunnerSession;

    expect((await broker.claim(session, 1, 0)).map((j) => j.jobId)).toEqual(['peer-1']);
    storeUp = false;
    now += 10_000; // past the members' refresh period: the next claim reads them again, and fails
    expect((await broker.claim(session, 1, 0)).map((j) => j.jobId)).toEqual(['peer-2']);
    now += 10_000;
    expect((await broker.claim(session, 1, 0)).map((j) => j.jobId)).toEqual(['peer-3']);
    expect(p.claims()).toBe(3);
  });
});
