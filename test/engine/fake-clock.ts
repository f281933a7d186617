// A fake clock with timers for the engine and job queue: time moves only when a test advances
// it; due timers run in time order, each followed by a real macrotask turn so promises and
// SQLite I/O started by a timer get to run.
import type { TimerHandle, Timers } from '../../common/timers.ts';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Timers {
  #now: number;
  #seq = 0;
  #timers = new Map<object, Pending>();

  constructor(start: number) {
    this.#now = start;
  }

  now = (): number => this.#now;

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = {};
    this.#timers.set(handle, { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as object);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      let next: [object, Pending] | null = null;
      for (const entry of this.#timers) {
        const p = entry[1];
        if (p.at > target) continue;
        if (!next || p.at < next[1].at || (p.at === next[1].at && p.seq < next[1].seq)) next = entry;
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
      await turn();
    }
    this.#now = target;
    await turn();
  }
}

/** One real macrotask turn (pending promises and finished I/O callbacks run). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
