// The job queue on its own, with a fake clock: leases, exclusion after an expired lease, deadlines,
// long polls, aborts, draining.
import { describe, expect, it } from 'vitest';
import { MinuteRate } from '../../collector/fleet/rate.ts';
import type { RunnerSession } from '../../collector/fleet/registry.ts';
import { JobQueue } from '../../collector/jobs/queue.ts';
import { newJob, type QueuedJob } from '../../collector/jobs/types.ts';
import { FakeClock } from './fake-clock.ts';

function runner(id: string, region: string): RunnerSession {
  return {
    id,
    region,
    name: id,
    version: '1',
    concurrency: 10,
    embedded: false,
    tokenHash: id,
    keyFingerprint: null,
    expiresAt: null,
    registeredAt: 0,
    lastSeen: 0,
    deregisteredAt: null,
    reportedInFlight: 0,
    reportedFree: 10,
    leased: 0,
    checks: new MinuteRate(),
    online: true,
    persistedSeen: 0,
    dirty: false,
    previous: null,
  };
}

let seq = 0;
function job(region: string, now: number, extra: Partial<QueuedJob> = {}): QueuedJob {
  seq += 1;
  return {
    ...newJob({
      jobId: `j${seq}`,
      monitorId: 'm',
      historyId: 1,
      round: { id: `m@${seq}`, purpose: 'scheduled', size: 1 },
      periodic: true,
      region,
      roundRegions: [region],
      due: now,
      createdAt: now,
      deadline: now + 90_000,
      timeout: 15_000,
      spec: {} as QueuedJob['spec'],
      secrets: {},
    }),
    ...extra,
  };
}

function setup(online: Record<string, string[]>, alternate: (j: QueuedJob) => string | null = () => null) {
  const clock = new FakeClock(1_000_000);
  const runners = new Map<string, RunnerSession>();
  for (const [region, ids] of Object.entries(online))
    for (const id of ids) runners.set(id, runner(id, region));
  const queue = new JobQueue({
    clock: clock.now,
    timers: clock,
    onlineIn: (region, except) =>
      [...runners.values()].filter((r) => r.region === region && r.id !== except).length,
    alternateRegion: alternate,
    runner: (id) => runners.get(id),
  });
  return { clock, queue, r: (id: string) => runners.get(id)! };
}

describe('JobQueue', () => {
  it('leases jobs of the runner region only, up to max, in order', async () => {
    const { clock, queue, r } = setup({ a: ['a1'], b: ['b1'] });
    const jobs = [job('a', clock.now()), job('b', clock.now()), job('a', clock.now()), job('a', clock.now())];
    for (const j of jobs) queue.add(j);
    const got = await queue.claim(r('a1'), 2, 0);
    expect(got.map((j) => j.jobId)).toEqual([jobs[0]!.jobId, jobs[2]!.jobId]);
    expect(got[0]!.lease).toMatchObject({ runnerId: 'a1', until: clock.now() + 30_000 });
    expect(r('a1').leased).toBe(2);
    expect((await queue.claim(r('b1'), 10, 0)).map((j) => j.jobId)).toEqual([jobs[1]!.jobId]);
    expect(queue.stats()).toEqual({ queued: 1, leased: 3, waiting: 0 });
  });

  it('a waiting claim gets the jobs added in one tick together', async () => {
    const { clock, queue, r } = setup({ a: ['a1'] });
    const pending = queue.claim(r('a1'), 10, 25_000);
    await clock.advance(1_000);
    queue.add(job('a', clock.now()));
    queue.add(job('a', clock.now()));
    expect((await pending).length).toBe(2);
  });

  it('a claim that times out or is aborted takes nothing', async () => {
    const { clock, queue, r } = setup({ a: ['a1'] });
    const timedOut = queue.claim(r('a1'), 10, 5_000);
    await clock.advance(5_000);
    expect(await timedOut).toEqual([]);
    const controller = new AbortController();
    const aborted = queue.claim(r('a1'), 10, 25_000, controller.signal);
    controller.abort();
    expect(await aborted).toEqual([]);
    queue.add(job('a', clock.now()));
    expect(queue.stats()).toEqual({ queued: 1, leased: 0, waiting: 0 });
    // Already aborted: not even the ready job is leased.
    expect(await queue.claim(r('a1'), 10, 0, controller.signal)).toEqual([]);
  });

  it('an expired lease goes once to another runner of the region; the second expiry is missed', async () => {
    const { clock, queue, r } = setup({ a: ['a1', 'a2'] });
    const j = job('a', clock.now());
    queue.add(j);
    await queue.claim(r('a1'), 1, 0);
    await clock.advance(30_001);
    const first = queue.sweep(clock.now());
    expect(first.requeued.map((x) => x.jobId)).toEqual([j.jobId]);
    expect(r('a1').leased).toBe(0);
    expect(await queue.claim(r('a1'), 1, 0)).toEqual([]);
    expect((await queue.claim(r('a2'), 1, 0)).map((x) => x.jobId)).toEqual([j.jobId]);
    expect(queue.take(j.jobId, 'a1', clock.now())).toEqual({ kind: 'expired' });
    await clock.advance(30_001);
    const second = queue.sweep(clock.now());
    expect(second).toEqual({ requeued: [], missed: [{ job: j, reason: 'lease_expired' }] });
    expect(queue.take(j.jobId, 'a2', clock.now())).toEqual({ kind: 'unknown' });
  });

  it('with no other runner in the region the job moves to the region the engine picks, or is missed', async () => {
    const moved = setup({ a: ['a1'], b: ['b1'] }, () => 'b');
    const j = job('a', moved.clock.now());
    moved.queue.add(j);
    await moved.queue.claim(moved.r('a1'), 1, 0);
    await moved.clock.advance(30_001);
    expect(moved.queue.sweep(moved.clock.now()).requeued).toEqual([j]);
    expect(j.region).toBe('b');
    expect((await moved.queue.claim(moved.r('b1'), 1, 0)).map((x) => x.jobId)).toEqual([j.jobId]);

    const alone = setup({ a: ['a1'] }, () => null);
    const k = job('a', alone.clock.now());
    alone.queue.add(k);
    await alone.queue.claim(alone.r('a1'), 1, 0);
    await alone.clock.advance(30_001);
    expect(alone.queue.sweep(alone.clock.now()).missed).toEqual([{ job: k, reason: 'lease_expired' }]);
  });

  it('a job nobody claims by its round deadline is missed (deadline); a runner going away expires its leases', async () => {
    const { clock, queue, r } = setup({ a: ['a1', 'a2'] });
    const j = job('a', clock.now(), { deadline: clock.now() + 10_000 });
    queue.add(j);
    await clock.advance(10_000);
    expect(queue.sweep(clock.now()).missed).toEqual([{ job: j, reason: 'deadline' }]);
    const k = job('a', clock.now());
    queue.add(k);
    await queue.claim(r('a1'), 1, 0);
    expect(queue.expireRunner('a1').requeued).toEqual([k]);
    expect((await queue.claim(r('a2'), 1, 0)).map((x) => x.jobId)).toEqual([k.jobId]);
  });

  it('closing answers waiting claims and hands out nothing more', async () => {
    const { clock, queue, r } = setup({ a: ['a1'] });
    const pending = queue.claim(r('a1'), 10, 25_000);
    queue.close();
    expect(await pending).toEqual([]);
    queue.add(job('a', clock.now()));
    expect(await queue.claim(r('a1'), 10, 0)).toEqual([]);
  });
});
