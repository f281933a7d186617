// Pure pieces of the runner: backoff delays, the bounded result buffer, failure classification.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from '../../common/retry.ts';
import { classifyFailure, retryAfterOf } from '../../runner/errors.ts';
import { ResultBuffer } from '../../runner/result-buffer.ts';
import { checkResult } from './fake-transport.ts';

const item = (n: number) => ({ jobId: `j${n}`, result: checkResult() });

describe('backoffDelay', () => {
  const options = { baseMs: 100, maxMs: 5_000 };

  it('doubles the step per attempt, keeps half of it and jitters the other half', () => {
    expect(backoffDelay(0, options, () => 0)).toBe(50);
    expect(backoffDelay(0, options, () => 1)).toBe(100);
    expect(backoffDelay(1, options, () => 0)).toBe(100);
    expect(backoffDelay(3, options, () => 0.5)).toBe(600);
  });

  it('never exceeds maxMs, whatever the attempt', () => {
    expect(backoffDelay(10, options, () => 1)).toBe(5_000);
    expect(backoffDelay(1e9, options, () => 1)).toBe(5_000);
  });

  it('stays within [step/2, step] for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, r) => {
          const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
          const delay = backoffDelay(attempt, options, () => r);
          return delay >= Math.floor(step / 2) && delay <= step;
        },
      ),
    );
  });
});

describe('ResultBuffer', () => {
  it('hands out batches oldest first and keeps the batch being sent until settled', () => {
    const buffer = new ResultBuffer(10);
    for (let i = 1; i <= 5; i++) buffer.push(item(i));
    const batch = buffer.nextBatch(3).map((r) => r.jobId);
    expect(batch).toEqual(['j1', 'j2', 'j3']);
    // A retry gets the very same batch.
    expect(buffer.nextBatch(3).map((r) => r.jobId)).toEqual(batch);
    expect(buffer.size).toBe(5);
    buffer.settleBatch();
    expect(buffer.size).toBe(2);
    expect(buffer.nextBatch(3).map((r) => r.jobId)).toEqual(['j4', 'j5']);
  });

  it('ignores a second result for a job it already holds', () => {
    const buffer = new ResultBuffer(10);
    expect(buffer.push(item(1))).toBe(0);
    expect(buffer.push(item(1))).toBe(-1);
    buffer.nextBatch(5);
    expect(buffer.push(item(1))).toBe(-1);
    buffer.settleBatch();
    expect(buffer.push(item(1))).toBe(0);
  });

  it('drops the oldest queued results beyond the bound, never the batch being sent', () => {
    const buffer = new ResultBuffer(4);
    for (let i = 1; i <= 4; i++) buffer.push(item(i));
    buffer.nextBatch(2); // j1, j2 being sent
    expect(buffer.push(item(5))).toBe(1); // drops j3
    expect(buffer.push(item(6))).toBe(1); // drops j4
    expect(buffer.dropped).toBe(2);
    expect(buffer.size).toBe(4);
    expect(buffer.sending.map((r) => r.jobId)).toEqual(['j1', 'j2']);
    buffer.settleBatch();
    expect(buffer.nextBatch(10).map((r) => r.jobId)).toEqual(['j5', 'j6']);
  });

  it('never holds more than its bound (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(
          fc.oneof(fc.constant('push'), fc.constant('batch'), fc.constant('settle'), fc.constant('shrink')),
          {
            maxLength: 200,
          },
        ),
        (max, ops) => {
          const buffer = new ResultBuffer(max);
          let n = 0;
          let pushed = 0;
          let settled = 0;
          for (const op of ops) {
            if (op === 'push') {
              buffer.push(item(n++));
              pushed++;
            } else if (op === 'batch') buffer.nextBatch(Math.max(1, Math.floor(max / 2)));
            else if (op === 'settle') settled += buffer.settleBatch().length;
            else buffer.shrinkBatch();
            if (buffer.size > max) return false;
          }
          // Every result is held, delivered or counted as dropped: none vanish.
          return pushed === buffer.size + settled + buffer.dropped;
        },
      ),
    );
  });

  it('drops the new result when the batch being sent alone fills the bound', () => {
    const buffer = new ResultBuffer(2);
    buffer.push(item(1));
    buffer.push(item(2));
    buffer.nextBatch(2);
    expect(buffer.push(item(3))).toBe(1);
    expect(buffer.size).toBe(2);
    expect(buffer.dropped).toBe(1);
    buffer.settleBatch();
    expect(buffer.size).toBe(0);
  });

  it('splits the batch being sent in halves, the second half first in the queue', () => {
    const buffer = new ResultBuffer(20);
    for (let i = 1; i <= 6; i++) buffer.push(item(i));
    buffer.nextBatch(5);
    expect(buffer.shrinkBatch()).toBe(3);
    expect(buffer.sending.map((r) => r.jobId)).toEqual(['j1', 'j2', 'j3']);
    buffer.settleBatch();
    expect(buffer.nextBatch(10).map((r) => r.jobId)).toEqual(['j4', 'j5', 'j6']);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new ResultBuffer(0)).toThrow(RangeError);
  });
});

describe('classifyFailure', () => {
  const error = (code: string | undefined, statusCode: number) =>
    Object.assign(new Error('x'), { code, statusCode });

  it('makes a refused region key fatal at registration', () => {
    expect(classifyFailure(error('VIGIL_ERR_UNAUTHORIZED', 401), 'register')).toBe('fatal');
    expect(classifyFailure(error('VIGIL_ERR_BAD_REQUEST', 400), 'register')).toBe('fatal');
  });

  it('retries registration when there is no answer or the collector is busy', () => {
    expect(classifyFailure(error('VIGIL_ERR_UNREACHABLE', 0), 'register')).toBe('retry');
    expect(classifyFailure(error('VIGIL_ERR_UNAVAILABLE', 503), 'register')).toBe('retry');
    expect(classifyFailure(error('VIGIL_ERR_RATE', 429), 'register')).toBe('retry');
    expect(classifyFailure(new TypeError('boom'), 'register')).toBe('retry');
  });

  it('registers again when a session call finds the session gone', () => {
    expect(classifyFailure(error('VIGIL_ERR_RUNNER_UNKNOWN', 401), 'session')).toBe('reregister');
    expect(classifyFailure(error('VIGIL_ERR_UNAUTHORIZED', 401), 'session')).toBe('reregister');
  });

  it('retries transient session failures and rejects other 4xx', () => {
    expect(classifyFailure(error('VIGIL_ERR_UNREACHABLE', 0), 'session')).toBe('retry');
    expect(classifyFailure(error('VIGIL_ERR_INTERNAL', 500), 'session')).toBe('retry');
    expect(classifyFailure(error('VIGIL_ERR_BAD_RESPONSE', 502), 'session')).toBe('retry');
    expect(classifyFailure(error(undefined, 408), 'session')).toBe('retry');
    expect(classifyFailure(error('VIGIL_ERR_BAD_REQUEST', 400), 'session')).toBe('reject');
    expect(classifyFailure(error('VIGIL_ERR_BODY_TOO_LARGE', 413), 'session')).toBe('reject');
    expect(classifyFailure(null, 'session')).toBe('retry');
  });

  it('reads Retry-After from errors and headers', () => {
    expect(retryAfterOf(Object.assign(new Error(), { retryAfterMs: 2000 }))).toBe(2000);
    expect(retryAfterOf(new Error())).toBeNull();
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(new Date(1_000).toUTCString(), 4_000)).toBe(0);
  });
});
