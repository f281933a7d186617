// The runner loop's own logic against a small in-memory transport: slots, batching, retries with
// backoff, the buffer bound, re-registration, drain. The probe is replaced by a controllable one
// (the loop never looks inside a result); test/runner/runner-probe.test.ts and test/e2e run the
// real probe engine and the real collector.
import { afterEach, describe, expect, it } from 'vitest';
import { RunnerFatalError } from '../../runner/errors.ts';
import type { RunJobProbe, RunnerHandle, RunnerOptions } from '../../runner/runner.ts';
import { startRunner } from '../../runner/runner.ts';
import {
  checkResult,
  FakeError,
  FakeTransport,
  job,
  jobs,
  unauthorized,
  unreachable,
  until,
} from './fake-transport.ts';

const running: RunnerHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

/** A probe whose jobs finish when the test says so (or at once when `auto`). */
function gatedProbe(auto = true) {
  let active = 0;
  let maxActive = 0;
  const gates: (() => void)[] = [];
  const probe: RunJobProbe = async (spec, options) => {
    active += 1;
    maxActive = Math.max(maxActive, active);
    try {
      if (!auto) await new Promise<void>((resolve) => gates.push(resolve));
      else await new Promise((r) => setImmediate(r));
      if (spec.url.includes('throw')) throw new Error('probe bug');
      expect(options.region).toBe('a');
      return checkResult(!spec.url.includes('fail'));
    } finally {
      active -= 1;
    }
  };
  return {
    probe,
    get active() {
      return active;
    },
    get maxActive() {
      return maxActive;
    },
    get waiting() {
      return gates.length;
    },
    release(count = Number.POSITIVE_INFINITY) {
      for (let i = 0; i < count && gates.length > 0; i++) gates.shift()!();
    },
  };
}

function start(transport: FakeTransport, overrides: Partial<RunnerOptions> = {}): RunnerHandle {
  const runner = startRunner({
    transport,
    region: 'a',
    name: 'test-runner',
    concurrency: 4,
    version: '0.0.0-test',
    probe: gatedProbe().probe,
    claimWaitMs: 200,
    flushIntervalMs: 20,
    backoff: { baseMs: 5, maxMs: 40 },
    drainTimeoutMs: 5_000,
    ...overrides,
  });
  running.push(runner);
  return runner;
}

describe('runner loop', () => {
  it('registers, claims, runs every job and reports each result once', async () => {
    const transport = new FakeTransport();
    const runner = start(transport);
    const session = await runner.ready;
    expect(session).toMatchObject({
      runnerId: 'runner-1',
      region: 'a',
      name: 'test-runner',
      registration: 1,
    });
    expect(transport.callsOf('register')[0]!.request).toEqual({
      region: 'a',
      name: 'test-runner',
      version: '0.0.0-test',
      concurrency: 4,
    });
    const batch = jobs(10);
    transport.enqueue(...batch);
    await until(() => transport.stored.size === 10, 10_000, 'all results stored');
    expect([...transport.stored.keys()].sort()).toEqual(batch.map((j) => j.jobId).sort());
    const stats = runner.stats();
    expect(stats).toMatchObject({ state: 'running', claimed: 10, completed: 10, accepted: 10, jobErrors: 0 });
    expect(stats.duplicates).toBe(0);
    // Every results call carried the session token.
    expect(transport.callsOf('results').every((c) => c.token === 'token-1')).toBe(true);
  });

  it('never runs more jobs at once than its concurrency and claims only free slots', async () => {
    const transport = new FakeTransport();
    const probe = gatedProbe(false);
    const runner = start(transport, { probe: probe.probe, concurrency: 3 });
    await runner.ready;
    transport.enqueue(...jobs(7));
    await until(() => probe.waiting === 3, 10_000, 'three jobs running');
    // The slots are full: no claim goes out until one frees up.
    const claimsWhenFull = transport.callsOf('claim').length;
    await new Promise((r) => setTimeout(r, 100));
    expect(transport.callsOf('claim').length).toBe(claimsWhenFull);
    expect(runner.stats()).toMatchObject({ inFlight: 3, free: 0 });
    probe.release(1);
    await until(() => probe.waiting === 3 && transport.pendingJobs === 3, 10_000, 'next job claimed');
    probe.release();
    await until(() => transport.pendingJobs === 0 && probe.waiting > 0, 10_000, 'rest claimed');
    probe.release();
    await until(() => transport.stored.size === 7, 10_000, 'all stored');
    expect(probe.maxActive).toBe(3);
    for (const claim of transport.callsOf('claim')) {
      expect(claim.request.max).toBeGreaterThanOrEqual(1);
      expect(claim.request.max).toBeLessThanOrEqual(3);
      expect(claim.request.max + claim.request.inFlight).toBeLessThanOrEqual(3);
      expect(claim.request.wait).toBe(200);
    }
  });

  it('posts results in batches of at most batchSize', async () => {
    const transport = new FakeTransport();
    const runner = start(transport, { concurrency: 50, batchSize: 10, flushIntervalMs: 50 });
    await runner.ready;
    transport.enqueue(...jobs(120));
    await until(() => transport.stored.size === 120, 10_000, 'all stored');
    const posts = transport.callsOf('results');
    expect(posts.every((p) => p.jobIds.length <= 10)).toBe(true);
    // Batched: far fewer posts than results.
    expect(posts.length).toBeLessThan(120);
    expect(posts.length).toBeGreaterThanOrEqual(12);
  });

  it('sends only full batches until the flush timer fires, and everything at drain', async () => {
    const transport = new FakeTransport();
    transport.resultsDelayMs = 100; // the rest of the results arrive while the first post is out
    const probe = gatedProbe(false);
    const runner = start(transport, {
      probe: probe.probe,
      concurrency: 20,
      batchSize: 5,
      flushIntervalMs: 60_000,
    });
    await runner.ready;
    transport.enqueue(...jobs(12));
    await until(() => probe.waiting === 12, 10_000, 'all running');
    for (let i = 0; i < 12; i++) {
      probe.release(1);
      await new Promise((r) => setImmediate(r));
    }
    await until(
      () => runner.stats().completed === 12 && transport.stored.size === 10,
      10_000,
      'two full batches',
    );
    await new Promise((r) => setTimeout(r, 100));
    // The two left over wait for the (long) timer rather than going out in a post of their own.
    expect(transport.callsOf('results').map((p) => p.jobIds.length)).toEqual([5, 5]);
    expect(runner.stats().buffered).toBe(2);
    await runner.stop();
    expect(transport.stored.size).toBe(12);
    expect(transport.callsOf('results').map((p) => p.jobIds.length)).toEqual([5, 5, 2]);
  });

  it('posts a lone result after the flush interval without waiting for a full batch', async () => {
    const transport = new FakeTransport();
    const runner = start(transport, { batchSize: 100, flushIntervalMs: 30 });
    await runner.ready;
    const one = job();
    transport.enqueue(one);
    await until(() => transport.stored.has(one.jobId), 10_000, 'lone result stored');
    expect(transport.callsOf('results')).toHaveLength(1);
  });

  it('retries results with backoff while the collector is unreachable, resending the same batch', async () => {
    const transport = new FakeTransport();
    const runner = start(transport, { batchSize: 5 });
    await runner.ready;
    transport.fail('results', unreachable, 4);
    const batch = jobs(5);
    transport.enqueue(...batch);
    await until(() => transport.stored.size === 5, 10_000, 'stored after retries');
    const posts = transport.callsOf('results');
    expect(posts.filter((p) => p.outcome === 'error')).toHaveLength(4);
    // Each retry sent the same job ids as the first attempt: nothing lost, nothing reordered.
    const first = posts[0]!.jobIds;
    for (const post of posts.slice(0, 5)) expect(post.jobIds).toEqual(first);
    expect(runner.stats()).toMatchObject({ accepted: 5, callFailures: 4, lost: 0, dropped: 0 });
  });

  it('counts a retried batch the collector already stored as duplicates (idempotent by job id)', async () => {
    const transport = new FakeTransport();
    const runner = start(transport, { batchSize: 3 });
    await runner.ready;
    // Stored, but the answer is lost: the runner sends the batch again.
    transport.fail('results', unreachable, 1, true);
    transport.enqueue(...jobs(3));
    await until(() => runner.stats().duplicates === 3, 10_000, 'duplicates counted');
    expect(transport.stored.size).toBe(3);
    expect(runner.stats().accepted).toBe(0);
  });

  it('bounds the buffer while the collector is down: drops the oldest, counts them, keeps the newest', async () => {
    const transport = new FakeTransport();
    const runner = start(transport, { concurrency: 10, batchSize: 4, maxBufferedResults: 10 });
    await runner.ready;
    transport.failAlways('results', unreachable);
    const all = jobs(30);
    for (const one of all) transport.enqueue(one);
    await until(() => runner.stats().completed === 30, 10_000, 'all jobs ran');
    const stats = runner.stats();
    expect(stats.buffered).toBe(10);
    expect(stats.dropped).toBe(20);
    transport.heal('results');
    await until(() => runner.stats().buffered === 0, 10_000, 'buffer flushed');
    expect(transport.stored.size).toBe(10);
    // The batch in flight when the outage began is kept (it may already be stored) ...
    const inFlightBatch = transport.callsOf('results')[0]!.jobIds;
    for (const id of inFlightBatch) expect(transport.stored.has(id)).toBe(true);
    // ... and the rest of what is kept is the newest results.
    const newest = all.slice(-(10 - inFlightBatch.length)).map((j) => j.jobId);
    for (const id of newest) expect(transport.stored.has(id)).toBe(true);
    expect(runner.stats()).toMatchObject({ accepted: 10, dropped: 20 });
  });

  it('splits a batch the collector finds too large (413)', async () => {
    const transport = new FakeTransport();
    const runner = start(transport, { concurrency: 8, batchSize: 8, flushIntervalMs: 200 });
    await runner.ready;
    transport.fail('results', () => new FakeError('VIGIL_ERR_BODY_TOO_LARGE', 413), 2);
    transport.enqueue(...jobs(8));
    await until(() => transport.stored.size === 8, 10_000, 'all stored after splitting');
    const sizes = transport.callsOf('results').map((p) => p.jobIds.length);
    expect(sizes[0]).toBe(8);
    expect(sizes[1]).toBe(4);
    // Once split, later batches keep the smaller size.
    expect(Math.max(...sizes.slice(2))).toBeLessThanOrEqual(2);
    expect(runner.stats()).toMatchObject({ accepted: 8, rejected: 0 });
  });

  it('drops a batch the collector refuses for good (400) and goes on', async () => {
    const transport = new FakeTransport();
    const runner = start(transport, { batchSize: 2, concurrency: 2 });
    await runner.ready;
    transport.fail('results', () => new FakeError('VIGIL_ERR_BAD_REQUEST', 400));
    transport.enqueue(...jobs(2));
    await until(() => runner.stats().rejected === 2, 10_000, 'batch refused');
    const later = jobs(2);
    transport.enqueue(...later);
    await until(() => later.every((j) => transport.stored.has(j.jobId)), 10_000, 'later results stored');
    expect(runner.stats()).toMatchObject({ rejected: 2, accepted: 2 });
  });

  it('counts results of expired leases as rejected', async () => {
    const transport = new FakeTransport();
    const runner = start(transport);
    await runner.ready;
    const late = job();
    transport.expired.add(late.jobId);
    transport.enqueue(late, job());
    await until(() => runner.stats().rejected === 1 && runner.stats().accepted === 1, 10_000, 'answers');
    expect(transport.stored.has(late.jobId)).toBe(false);
  });

  it('does not report a job whose probe throws, and keeps running the others', async () => {
    const transport = new FakeTransport();
    const runner = start(transport);
    await runner.ready;
    const broken = job();
    broken.spec = { ...broken.spec, url: 'http://throw.invalid/' };
    const fine = jobs(3);
    transport.enqueue(broken, ...fine);
    await until(() => fine.every((j) => transport.stored.has(j.jobId)), 10_000, 'other results');
    expect(transport.stored.has(broken.jobId)).toBe(false);
    expect(runner.stats()).toMatchObject({ jobErrors: 1, completed: 4, accepted: 3 });
    // And later jobs still run.
    const after = job();
    transport.enqueue(after);
    await until(() => transport.stored.has(after.jobId), 10_000, 'later job');
  });

  it('registers again when the collector forgets the session, and carries on', async () => {
    const transport = new FakeTransport();
    const registered: number[] = [];
    const runner = start(transport, { onRegistered: (s) => registered.push(s.registration) });
    await runner.ready;
    transport.enqueue(job());
    await until(() => transport.stored.size === 1, 10_000, 'first result');
    transport.forgetSessions();
    const next = jobs(3);
    transport.enqueue(...next);
    await until(
      () => next.every((j) => transport.stored.has(j.jobId)),
      10_000,
      'results after re-registering',
    );
    expect(registered).toEqual([1, 2]);
    expect(runner.stats()).toMatchObject({ registrations: 2, runnerId: 'runner-2' });
    for (const id of next.map((j) => j.jobId)) {
      const post = transport.callsOf('results').find((p) => p.outcome === 'ok' && p.jobIds.includes(id));
      expect(post?.token).toBe('token-2');
    }
  });

  it('re-registers when a results post finds the session gone', async () => {
    const transport = new FakeTransport();
    const probe = gatedProbe(false);
    const runner = start(transport, { probe: probe.probe });
    await runner.ready;
    const one = job();
    transport.enqueue(one);
    await until(() => probe.waiting === 1, 10_000, 'job running');
    transport.forgetSessions();
    probe.release();
    await until(() => transport.stored.has(one.jobId), 10_000, 'result stored after re-registering');
    expect(runner.stats().registrations).toBe(2);
  });

  it('retries registration while the collector is unreachable', async () => {
    const transport = new FakeTransport();
    transport.fail('register', unreachable, 3);
    const runner = start(transport);
    const session = await runner.ready;
    expect(session.registration).toBe(1);
    expect(transport.callsOf('register')).toHaveLength(4);
    expect(runner.stats().callFailures).toBe(3);
  });

  it('stops with a fatal error when the region key is refused', async () => {
    const transport = new FakeTransport();
    transport.failAlways('register', unauthorized);
    const runner = start(transport);
    await expect(runner.ready).rejects.toMatchObject({ code: 'VIGIL_ERR_UNAUTHORIZED' });
    const exit = await runner.done;
    expect(exit.error).toBeInstanceOf(RunnerFatalError);
    expect(exit.error?.code).toBe('VIGIL_ERR_UNAUTHORIZED');
    expect(exit.error?.message).toMatch(/region key for a was refused/);
    expect(exit.stats.state).toBe('failed');
    // One try only: a wrong key does not get better by retrying.
    expect(transport.callsOf('register')).toHaveLength(1);
    expect(transport.callsOf('claim')).toHaveLength(0);
  });

  it('stops when the collector refuses the registration itself (400)', async () => {
    const transport = new FakeTransport();
    transport.fail('register', () => new FakeError('VIGIL_ERR_BAD_REQUEST', 400, 'body/name too long'));
    const runner = start(transport);
    const exit = await runner.done;
    expect(exit.error?.code).toBe('VIGIL_ERR_BAD_REQUEST');
    expect(exit.error?.message).toMatch(
      /refused to register runner test-runner in region a: body\/name too long/,
    );
  });

  it('retries a failed claim, waiting at least the Retry-After the collector sent', async () => {
    const transport = new FakeTransport();
    const runner = start(transport);
    await runner.ready;
    const failedAt: number[] = [];
    const original = transport.claim.bind(transport);
    let calls = 0;
    transport.claim = async (token, request, signal) => {
      calls += 1;
      failedAt.push(Date.now());
      if (calls === 1) throw new FakeError('VIGIL_ERR_UNAVAILABLE', 503, 'busy', 300);
      return original(token, request, signal);
    };
    await until(() => failedAt.length >= 2, 10_000, 'second claim');
    // A lower bound only (a timer never fires early); no upper bound is asserted.
    expect(failedAt[1]! - failedAt[0]!).toBeGreaterThanOrEqual(290);
    const one = job();
    transport.enqueue(one);
    await until(() => transport.stored.has(one.jobId), 10_000, 'job after the claim failure');
  });

  it('pauses claiming when the collector asks runners to drain, then resumes', async () => {
    const transport = new FakeTransport();
    const runner = start(transport, { drainPauseMs: 300 });
    await runner.ready;
    // Times taken when each claim is made, not when the test's poll notices it: on a loaded
    // machine the poll can lag the runner by more than the pause.
    const claimedAt: number[] = [];
    const original = transport.claim.bind(transport);
    transport.claim = async (token, request, signal) => {
      claimedAt.push(Date.now());
      return original(token, request, signal);
    };
    await until(() => claimedAt.length >= 1, 10_000, 'first claim');
    transport.draining = true;
    // The claim made after `draining` is set is the one answered with drain: true.
    const drained = claimedAt.length;
    await until(() => claimedAt.length > drained, 10_000, 'drain answer');
    transport.draining = false;
    await until(() => claimedAt.length > drained + 1, 10_000, 'claims resumed');
    // A lower bound only (a timer never fires early); no upper bound is asserted.
    expect(claimedAt[drained + 1]! - claimedAt[drained]!).toBeGreaterThanOrEqual(290);
    const one = job();
    transport.enqueue(one);
    await until(() => transport.stored.has(one.jobId), 10_000, 'job after resuming');
  });

  it('heartbeats with in-flight and free slots, and re-registers when the heartbeat finds the session gone', async () => {
    const transport = new FakeTransport();
    const probe = gatedProbe(false);
    const runner = start(transport, { probe: probe.probe, concurrency: 3, heartbeatIntervalMs: 100 });
    await runner.ready;
    transport.enqueue(...jobs(3));
    await until(() => probe.waiting === 3, 10_000, 'slots full');
    await until(
      () => transport.callsOf('heartbeat').some((h) => h.request.inFlight === 3 && h.request.free === 0),
      10_000,
      'heartbeat while busy',
    );
    // All slots busy, so no claim is pending: only the heartbeat can notice the lost session.
    transport.forgetSessions();
    await until(() => runner.stats().registrations === 2, 10_000, 're-registered by heartbeat');
    probe.release();
    await until(() => transport.stored.size === 3, 10_000, 'results');
    await until(
      () => transport.callsOf('heartbeat').some((h) => h.token === 'token-2' && h.request.free === 3),
      10_000,
      'idle heartbeat',
    );
  });

  it('uses the heartbeat interval the collector gives at registration', async () => {
    const transport = new FakeTransport();
    transport.heartbeatInterval = 100;
    const runner = start(transport);
    await runner.ready;
    await until(() => transport.callsOf('heartbeat').length >= 2, 10_000, 'heartbeats');
  });

  it('asks for at most the collector maxClaimWait', async () => {
    const transport = new FakeTransport();
    transport.maxClaimWait = 50;
    const runner = start(transport, { claimWaitMs: 25_000 });
    await runner.ready;
    await until(() => transport.callsOf('claim').length >= 1, 10_000, 'claim');
    expect(transport.callsOf('claim')[0]!.request.wait).toBe(50);
  });

  it('drains on stop: aborts the pending claim, finishes jobs, posts their results, then deregisters', async () => {
    const transport = new FakeTransport();
    const probe = gatedProbe(false);
    const runner = start(transport, { probe: probe.probe, concurrency: 4, claimWaitMs: 10_000 });
    await runner.ready;
    const batch = jobs(2);
    transport.enqueue(...batch);
    await until(() => probe.waiting === 2, 10_000, 'jobs running');
    // Two slots free: a long claim is pending now.
    await until(() => transport.callsOf('claim').length >= 2, 10_000, 'pending claim');
    const stopped = runner.stop();
    await until(() => runner.stats().state === 'draining', 10_000, 'draining');
    expect(runner.stats().free).toBe(0);
    const claimsAtStop = transport.callsOf('claim').length;
    transport.enqueue(...jobs(3)); // new work is not taken while draining
    probe.release();
    await stopped;
    expect(transport.callsOf('claim').length).toBe(claimsAtStop);
    expect(transport.pendingJobs).toBe(3);
    for (const one of batch) expect(transport.stored.has(one.jobId)).toBe(true);
    const lastResults = transport.calls.findLastIndex((c) => c.call === 'results');
    const deregister = transport.calls.findIndex((c) => c.call === 'deregister');
    expect(deregister).toBeGreaterThan(lastResults);
    expect(transport.callsOf('deregister')).toEqual([{ call: 'deregister', token: 'token-1' }]);
    expect(runner.stats()).toMatchObject({ state: 'stopped', deregistered: true, lost: 0, inFlight: 0 });
    const exit = await runner.done;
    expect(exit.error).toBeNull();
    // stop() again is harmless.
    await runner.stop();
    expect(transport.callsOf('deregister')).toHaveLength(1);
  });

  it('gives up delivering results after drainTimeoutMs when the collector stays down, counting them lost', async () => {
    const transport = new FakeTransport();
    const runner = start(transport, { drainTimeoutMs: 300 });
    await runner.ready;
    transport.failAlways('results', unreachable);
    transport.enqueue(...jobs(3));
    await until(() => runner.stats().completed === 3, 10_000, 'jobs ran');
    await runner.stop();
    expect(runner.stats()).toMatchObject({ state: 'stopped', lost: 3, accepted: 0 });
    expect(transport.stored.size).toBe(0);
  });

  it('stop() before the first registration ends the retries and rejects ready', async () => {
    const transport = new FakeTransport();
    transport.failAlways('register', unreachable);
    const runner = start(transport);
    await until(() => transport.callsOf('register').length >= 2, 10_000, 'registration retries');
    await runner.stop();
    await expect(runner.ready).rejects.toThrow(/stopped before registering/);
    const count = transport.callsOf('register').length;
    await new Promise((r) => setTimeout(r, 100));
    expect(transport.callsOf('register')).toHaveLength(count);
    expect(transport.callsOf('deregister')).toHaveLength(0);
    expect(runner.stats().state).toBe('stopped');
  });

  it('survives a transport that throws plain errors (no code): retried, never fatal', async () => {
    const transport = new FakeTransport();
    const runner = start(transport);
    await runner.ready;
    transport.fail('claim', () => new TypeError('boom'), 2);
    transport.fail('results', () => new TypeError('boom'), 2);
    transport.fail('heartbeat', () => new TypeError('boom'), 2);
    const one = job();
    transport.enqueue(one);
    await until(() => transport.stored.has(one.jobId), 10_000, 'result despite plain errors');
    expect(runner.stats().state).toBe('running');
  });

  it('runs a claimed job once even if the collector hands it out twice', async () => {
    const transport = new FakeTransport();
    const probe = gatedProbe(false);
    const runner = start(transport, { probe: probe.probe });
    await runner.ready;
    const one = job();
    transport.enqueue(one, { ...one });
    await until(() => probe.waiting === 1 && transport.pendingJobs === 0, 10_000, 'claimed');
    await new Promise((r) => setTimeout(r, 50));
    expect(probe.waiting).toBe(1);
    probe.release();
    await until(() => transport.stored.has(one.jobId), 10_000, 'stored');
    expect(runner.stats().claimed).toBe(1);
  });

  it('refuses a concurrency that is not a positive integer', () => {
    expect(() => start(new FakeTransport(), { concurrency: 0 })).toThrow(RangeError);
    expect(() => start(new FakeTransport(), { concurrency: 1.5 })).toThrow(RangeError);
  });

  it('caps a claim at 500 jobs (the collector limit)', async () => {
    const transport = new FakeTransport();
    const runner = start(transport, { concurrency: 2000 });
    await runner.ready;
    await until(() => transport.callsOf('claim').length >= 1, 10_000, 'claim');
    expect(transport.callsOf('claim')[0]!.request.max).toBe(500);
  });

  it('treats VIGIL_ERR_UNAUTHORIZED on a session call as a lost session: registers again', async () => {
    const transport = new FakeTransport();
    const runner = start(transport);
    await runner.ready;
    transport.fail('claim', unauthorized, 1);
    await until(() => runner.stats().registrations === 2, 10_000, 're-registered');
    expect(runner.stats().state).toBe('running');
  });
});
