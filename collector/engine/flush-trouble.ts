// The log of a storage outage as the write buffer lives it, a few lines per episode instead of one
// per failed flush or per shed row: the first failure (with its error), then at most one summary
// per `intervalMs` (failures, rows shed, rows waiting), then one line when a flush succeeds again.
// Counts of shed rows also go to the buffer's stats (vigil_check_rows_dropped_total).
import type { Logger } from '../../common/log.ts';

/** Why rows were dropped (the metric's `reason` label). */
export type DropReason = 'buffer_full' | 'shutdown' | 'spill_unreadable' | 'unwritable';

export const SUMMARY_INTERVAL_MS = 60_000;

export class FlushTrouble {
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #intervalMs: number;
  /** Start of the current episode (first failure), or null while flushes succeed. */
  #since: number | null = null;
  #lastLine = 0;
  #failures = 0;
  #failuresSinceLine = 0;
  #shed = 0;
  #shedSinceLine = 0;

  constructor(log: Logger, clock: () => number, intervalMs = SUMMARY_INTERVAL_MS) {
    this.#log = log;
    this.#clock = clock;
    this.#intervalMs = intervalMs;
  }

  get failing(): boolean {
    return this.#since !== null;
  }

  failed(error: unknown, pending: number, retryMs: number): void {
    const now = this.#clock();
    this.#failures += 1;
    this.#failuresSinceLine += 1;
    if (this.#since === null) {
      this.#since = now;
      this.#lastLine = now;
      this.#failuresSinceLine = 0;
      this.#log.error(
        { err: error, pending, retryMs },
        'engine: flush failed; retrying with backoff (one summary a minute until it recovers)',
      );
      return;
    }
    this.#summary(now, pending, retryMs);
  }

  shed(rows: number, pending: number): void {
    const now = this.#clock();
    const first = this.#shed === 0;
    this.#shed += rows;
    this.#shedSinceLine += rows;
    if (first) {
      this.#lastLine = now;
      this.#shedSinceLine = 0;
      this.#log.warn(
        { dropped: rows, pending },
        'engine: write buffer full while storage fails; dropping the oldest check rows',
      );
      return;
    }
    this.#summary(now, pending, null);
  }

  /** One line per flush whose lease fence left rows out (collector/cluster/). */
  fenced(historyIds: readonly number[], rows: number): void {
    this.#log.warn(
      { monitors: historyIds.length, rows, historyIds: historyIds.slice(0, 20) },
      'engine: state and incident writes fenced: another collector holds these monitors now (checks stored)',
    );
  }

  recovered(): void {
    if (this.#since === null && this.#shed === 0) return;
    const now = this.#clock();
    this.#log.warn(
      {
        outageMs: this.#since === null ? 0 : now - this.#since,
        failures: this.#failures,
        dropped: this.#shed,
      },
      'engine: flushes succeed again',
    );
    this.#since = null;
    this.#failures = 0;
    this.#failuresSinceLine = 0;
    this.#shed = 0;
    this.#shedSinceLine = 0;
  }

  #summary(now: number, pending: number, retryMs: number | null): void {
    if (now - this.#lastLine < this.#intervalMs) return;
    this.#lastLine = now;
    this.#log.warn(
      {
        failures: this.#failuresSinceLine,
        dropped: this.#shedSinceLine,
        droppedTotal: this.#shed,
        pending,
        ...(retryMs === null ? {} : { retryMs }),
        outageMs: this.#since === null ? 0 : now - this.#since,
      },
      'engine: flushes still failing',
    );
    this.#failuresSinceLine = 0;
    this.#shedSinceLine = 0;
  }
}
