// Results delivered after their round is over (a runner cut off from the collector posts what it
// buffered): stored for the history with `late`, never a vote. Through the HTTP API with a fake
// clock and a real SQLite file.
import { afterEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../collector/store/sqlite/index.ts';
import type { Job } from '../../runner/protocol.ts';
import { checkResult, type Harness, harness, type Runner } from './harness.ts';

let open: Harness[] = [];
async function make(options: Parameters<typeof harness>[0] = {}): Promise<Harness> {
  const h = await harness(options);
  open.push(h);
  return h;
}
afterEach(async () => {
  for (const h of open.reverse()) await h.destroy();
  open = [];
});

const FAKE_TIME = { timeout: 120_000 };

interface StoredCheck {
  job_id: string;
  ok: number;
  late: number;
}

async function storedChecks(h: Harness): Promise<StoredCheck[]> {
  await h.app.vigil.runtime.engine.flush();
  const store = h.app.vigil.store as SqliteStore;
  return store.db.reader.all<StoredCheck>('SELECT job_id, ok, late FROM checks ORDER BY id');
}

const monitor = (h: Harness) => h.json<{ state: string; incident: unknown }>('/v1/monitors/web');

/** A monitor `web` checked from region `a` only, up after one good check. */
async function upWithOneRunner(h: Harness): Promise<Runner> {
  const a = await h.register('a', 'a-1');
  await h.sync([{ id: 'web', url: 'https://web.example.invalid/', regions: ['a'], confirm: { regions: 1 } }]);
  const [first] = await h.nextJobs(a);
  await h.post(a, [{ jobId: first!.jobId, result: checkResult(true, h.clock.now()) }]);
  expect((await monitor(h)).state).toBe('up');
  return a;
}

/** The runner claims a job, then is cut off for `ms` (no heartbeat, no claim, no result). */
async function claimThenCut(h: Harness, runner: Runner, ms: number): Promise<Job> {
  const [job] = await h.nextJobs(runner);
  expect(job).toBeDefined();
  runner.silent = true;
  await h.advance(ms);
  runner.silent = false;
  return job!;
}

describe('late results', FAKE_TIME, () => {
  it('stores a failure delivered after its job was missed as late; the monitor stays up and the schedule goes on', async () => {
    const h = await make();
    const a = await upWithOneRunner(h);
    const job = await claimThenCut(h, a, 4 * 60_000);

    const answer = await h.post(a, [
      { jobId: job.jobId, result: checkResult(false, h.clock.now() - 200_000) },
    ]);
    expect(answer).toEqual({ accepted: [job.jobId], duplicates: [], rejected: [] });
    const checks = await storedChecks(h);
    expect(checks.find((c) => c.job_id === job.jobId)).toEqual({ job_id: job.jobId, ok: 0, late: 1 });
    // The history says so too, so a red dot that never became an incident is explained.
    const history = await h.json<{ checks: Array<{ ok: boolean; late: boolean }> }>(
      '/v1/monitors/web/checks',
    );
    expect(history.checks.filter((c) => c.late)).toEqual([
      expect.objectContaining({ ok: false, late: true }),
    ]);
    expect(history.checks.filter((c) => !c.late).length).toBeGreaterThan(0);
    const m = await monitor(h);
    expect(m.state).toBe('up');
    expect(m.incident).toBeNull();

    // Sent again (its answer was lost): a duplicate.
    const again = await h.post(a, [{ jobId: job.jobId, result: checkResult(false, h.clock.now()) }]);
    expect(again.duplicates).toEqual([job.jobId]);

    // The next rounds are claimed and counted as usual.
    const [next] = await h.nextJobs(a);
    await h.post(a, [{ jobId: next!.jobId, result: checkResult(false, h.clock.now()) }]);
    expect((await storedChecks(h)).find((c) => c.job_id === next!.jobId)?.late).toBe(0);
    expect((await monitor(h)).state).not.toBe('up');
  });

  it('keeps the order in which a runner delivers several late results of one monitor', async () => {
    const h = await make();
    const a = await upWithOneRunner(h);
    const held: Job[] = [];
    for (let i = 0; i < 3; i++) {
      const [job] = await h.nextJobs(a);
      held.push(job!);
    }
    a.silent = true;
    await h.advance(5 * 60_000);
    a.silent = false;
    const answer = await h.post(
      a,
      held.map((job, i) => ({ jobId: job.jobId, result: checkResult(i !== 1, h.clock.now() - 300_000 + i) })),
    );
    expect(answer.accepted).toEqual(held.map((j) => j.jobId));
    const late = (await storedChecks(h)).filter((c) => c.late === 1);
    expect(late.map((c) => c.job_id)).toEqual(held.map((j) => j.jobId));
    expect((await monitor(h)).state).toBe('up');
  });

  it('takes a late result from the session the runner registered again, but not from another region', async () => {
    const h = await make({ regionKeys: 'region-key-for-tests-0123456789' });
    const a = await upWithOneRunner(h);
    const b = await h.register('b', 'b-1');
    const job = await claimThenCut(h, a, 4 * 60_000);
    const again = await h.register('a', 'a-1 again');

    const fromB = await h.post(b, [{ jobId: job.jobId, result: checkResult(false, h.clock.now()) }]);
    expect(fromB.rejected).toEqual([job.jobId]);
    const fromA = await h.post(again, [{ jobId: job.jobId, result: checkResult(false, h.clock.now()) }]);
    expect(fromA.accepted).toEqual([job.jobId]);
    expect((await storedChecks(h)).find((c) => c.job_id === job.jobId)?.late).toBe(1);
    expect((await monitor(h)).state).toBe('up');
  });

  it('still rejects a result whose job waits for another runner (that runner answers it)', async () => {
    const h = await make();
    const a1 = await upWithOneRunner(h);
    const a2 = await h.register('a', 'a-2');
    a2.silent = true;
    const [job] = await h.nextJobs(a1);
    a2.silent = false;
    a1.silent = true;
    await h.advance(31_000);
    a1.silent = false;
    const late = await h.post(a1, [{ jobId: job!.jobId, result: checkResult(false, h.clock.now()) }]);
    expect(late.rejected).toEqual([job!.jobId]);
  });
});
