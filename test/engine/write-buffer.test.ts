// The write-behind buffer: one store flush (one transaction) per period or per 500 rows, the latest
// state per monitor, marks landing on buffered checks, failed flushes kept and retried.
import { describe, expect, it } from 'vitest';
import { WriteBuffer } from '../../collector/engine/write-buffer.ts';
import type {
  CheckRecord,
  FlushBatch,
  RuntimeStore,
  StoredState,
} from '../../collector/store/runtime-types.ts';
import { initialState } from '../../collector/verdict/machine.ts';
import { FakeClock, turn } from './fake-clock.ts';

function recordingStore(fail: () => boolean = () => false): { store: RuntimeStore; batches: FlushBatch[] } {
  const batches: FlushBatch[] = [];
  const store = {
    async flush(batch: FlushBatch) {
      if (fail()) throw new Error('SQLITE_BUSY');
      batches.push(batch);
    },
  } as unknown as RuntimeStore;
  return { store, batches };
}

function check(id: string): CheckRecord {
  return { id, historyId: 1, mark: null } as CheckRecord;
}

function state(historyId: number, since: number): () => StoredState {
  return () => ({
    historyId,
    monitorId: `m${historyId}`,
    verdict: initialState(since),
    lastRoundAt: null,
    lastResults: [],
    updatedAt: since,
  });
}

describe('WriteBuffer', () => {
  it('flushes once per period, everything in one batch, the latest state per monitor', async () => {
    const clock = new FakeClock(0);
    const { store, batches } = recordingStore();
    const buffer = new WriteBuffer({
      store,
      timers: clock,
      clock: clock.now,
      flushMs: 200,
      onError: () => {},
    });
    buffer.check(check('a'), null);
    buffer.state(1, state(1, 1));
    buffer.check(check('b'), null);
    buffer.state(1, state(1, 2));
    buffer.mark('a', 'unconfirmed');
    buffer.mark('old', 'impaired');
    buffer.missed(1, null, 5);
    await clock.advance(199);
    expect(batches).toHaveLength(0);
    await clock.advance(1);
    await turn();
    expect(batches).toHaveLength(1);
    const [batch] = batches;
    expect(batch!.checks.map((c) => [c.id, c.mark])).toEqual([
      ['a', 'unconfirmed'],
      ['b', null],
    ]);
    expect(batch!.marks).toEqual([{ jobId: 'old', mark: 'impaired' }]);
    expect(batch!.states.map((s) => s.verdict.since)).toEqual([2]);
    expect(batch!.missed).toEqual([{ historyId: 1, region: null, at: 5 }]);
    expect(buffer.pending).toBe(0);
  });

  it('flushes at once when 500 rows wait', async () => {
    const clock = new FakeClock(0);
    const { store, batches } = recordingStore();
    const buffer = new WriteBuffer({
      store,
      timers: clock,
      clock: clock.now,
      maxRows: 500,
      onError: () => {},
    });
    for (let i = 0; i < 500; i++) buffer.check(check(`c${i}`), null);
    await turn();
    await turn();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.checks).toHaveLength(500);
  });

  it('keeps a failed batch and writes it with the next one', async () => {
    const clock = new FakeClock(0);
    let failures = 1;
    const errors: unknown[] = [];
    const { store, batches } = recordingStore(() => failures-- > 0);
    const buffer = new WriteBuffer({
      store,
      timers: clock,
      clock: clock.now,
      onError: (e) => errors.push(e),
    });
    buffer.check(check('a'), null);
    buffer.state(1, state(1, 1));
    await clock.advance(200);
    await turn();
    expect(errors).toHaveLength(1);
    buffer.check(check('b'), null);
    buffer.state(1, state(1, 3));
    await clock.advance(200);
    await turn();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.checks.map((c) => c.id)).toEqual(['a', 'b']);
    expect(batches[0]!.states.map((s) => s.verdict.since)).toEqual([3]);
  });
});
