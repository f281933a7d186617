// Feeds the check counters and the phase-duration histogram of /metrics from the checks table:
// on each scrape, the rows stored since the last one (by row id). Counting starts with the checks
// stored after the app started, as a process counter should. Reading from the store (not from an
// engine callback) counts every check any writer stored, once.
import type { Counter, Histogram } from 'prom-client';
import type { StatusStore } from '../store/status-types.ts';

const BATCH = 5000;
/** A scrape reads at most this many rows; an older backlog is skipped (counters undercount, never double). */
const MAX_PER_SCRAPE = 200_000;
export const PHASES = ['resolve', 'connect', 'tls', 'processing', 'transfer', 'total'] as const;

export class CheckTail {
  readonly #store: StatusStore;
  readonly #checks: Counter<'result' | 'reason' | 'region'>;
  readonly #durations: Histogram<'phase' | 'region'>;
  #lastId: number | null = null;
  #pending: Promise<void> | null = null;

  constructor(
    store: StatusStore,
    checks: Counter<'result' | 'reason' | 'region'>,
    durations: Histogram<'phase' | 'region'>,
  ) {
    this.#store = store;
    this.#checks = checks;
    this.#durations = durations;
  }

  /** Where counting starts: call once at app start. */
  async start(): Promise<void> {
    this.#lastId = await this.#store.lastCheckId();
  }

  /** Reads and counts new rows; concurrent callers share one read. */
  update(): Promise<void> {
    this.#pending ??= this.#read().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  async #read(): Promise<void> {
    if (this.#lastId === null) await this.start();
    let read = 0;
    while (read < MAX_PER_SCRAPE) {
      const rows = await this.#store.checksAfter(this.#lastId!, BATCH);
      for (const row of rows) {
        this.#checks.inc({
          result: row.ok ? 'success' : 'failure',
          reason: row.reason ?? '',
          region: row.region,
        });
        // Only the phases the check went through: a phase that never happened (null) is no
        // sample, so no tls samples from http:// checks and no transfer from refused connects.
        for (const phase of PHASES) {
          const ms = row.timings[phase];
          if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) {
            this.#durations.observe({ phase, region: row.region }, ms / 1000);
          }
        }
        this.#lastId = row.id;
      }
      read += rows.length;
      if (rows.length < BATCH) return;
    }
    this.#lastId = await this.#store.lastCheckId();
  }
}
