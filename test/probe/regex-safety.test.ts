// A `matches` pattern runs in linear time (RE2, common/regex.ts), and a response with a body is
// judged in a worker thread (probe/evaluate-thread.ts): a pattern that backtracks forever in
// JavaScript ends with the assertion's result, long judging never holds up this process's event
// loop, and judging that outlasts the check's timeout is stopped and fails as `timeout`.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, probeSpecFor } from '../../probe/index.ts';
import type { Assertion } from '../../schema/types.ts';
import { startTarget, type TargetServer } from '../support/target-server.ts';
import { BIG_JSON, WALK_ALL } from './helpers/big-json.ts';
import { expectDown, expectUp } from './helpers/expect.ts';

const BODIES: Record<string, string> = {
  '/redos': `${'a'.repeat(28)}!`,
  '/page': '<!doctype html>\n<title>Status</title>\nall systems go\n',
  '/big.json': BIG_JSON,
};

let target: TargetServer;
beforeAll(async () => {
  target = await startTarget({
    handler: (req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(BODIES[req.url ?? ''] ?? 'nothing here');
    },
  });
});
afterAll(() => target.close());

const matches = (value: string): Assertion => ({ source: 'body', operator: 'matches', value });

/** The check, how long it took and the longest event-loop delay of this process meanwhile. */
async function timedProbe(path: string, assertions: Assertion[], timeout: number) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const start = performance.now();
  const result = await probe(probeSpecFor(target.url(path), { assertions, timeout }));
  const elapsed = performance.now() - start;
  // Let the delay histogram's timer fire once more: a stall that ends in the same turn as the
  // check would otherwise go unrecorded.
  await new Promise((resolve) => setTimeout(resolve, 50));
  delay.disable();
  return { result, elapsed, maxDelayMs: delay.max / 1e6 };
}

describe('matches runs in linear time', { timeout: 60_000 }, () => {
  it('ends `^(a+)+$` on 28 × a + ! with the assertion result, within the timeout', async () => {
    const { result, elapsed } = await timedProbe('/redos', [matches('^(a+)+$')], 5_000);
    expectDown(result, 'assertion', null);
    expect(result.assertions.find((a) => a.description.includes('matches'))?.pass).toBe(false);
    expect(elapsed).toBeLessThan(5_000);
    const up = await timedProbe('/redos', [matches('^(a+)+!$')], 5_000);
    expectUp(up.result);
  });

  it('keeps the semantics of a flagless pattern; inline flags turn options on', async () => {
    const cases: Array<[string, boolean]> = [
      ['^<!doctype html>', true],
      ['^<!DOCTYPE', false],
      ['(?i)^<!DOCTYPE', true],
      ['^all systems go$', false],
      ['(?m)^all systems go$', true],
      ['Status.*go', false],
      ['(?s)Status.*go', true],
    ];
    for (const [pattern, pass] of cases) {
      const { result } = await timedProbe('/page', [matches(pattern)], 5_000);
      expect([pattern, result.ok]).toEqual([pattern, pass]);
    }
  });

  it('fails a pattern validation would refuse (a backreference) with a clear actual', async () => {
    const { result } = await timedProbe('/page', [matches('(s)\\1')], 5_000);
    expectDown(result, 'assertion', null);
    const outcome = result.assertions.find((a) => a.description.includes('matches'));
    expect(outcome?.actual).toMatch(/cannot run: backreferences/);
  });
});

describe('judging a large body', { timeout: 120_000 }, () => {
  it('never holds up the event loop of the process that probes', async () => {
    const walks = Array.from({ length: 12 }, () => WALK_ALL);
    const { result, maxDelayMs } = await timedProbe('/big.json', walks, 60_000);
    expectUp(result);
    // Judged in place this is well over a second; generous slack for a loaded machine.
    expect(maxDelayMs).toBeLessThan(1_000);
  });

  it('stops judging that outlasts the timeout and fails as `timeout`, near the deadline', async () => {
    const walks = Array.from({ length: 20 }, () => WALK_ALL);
    const { result, elapsed, maxDelayMs } = await timedProbe('/big.json', walks, 1_000);
    expectDown(result, 'timeout', null);
    expect(result.message).toMatch(/judging it \(\d+ KiB of body\) did not finish within the 1s timeout/);
    expect(elapsed).toBeLessThan(1_000 + 2_000);
    expect(maxDelayMs).toBeLessThan(1_000);
    // The worker that ran it was ended; the next check gets a fresh one.
    expectUp((await timedProbe('/page', [matches('systems')], 5_000)).result);
  });
});
