// Daily partitions of `checks` (PARTITION BY RANGE (started_at), epoch ms, UTC days). A partition
// is created before the first flush that needs it (and today's and the next two at open, so the
// usual flush finds its day ready); retention drops a whole day once all of it is past the cutoff,
// instead of deleting its rows one by one. There is no default partition: a row always finds its
// day, and creating a day never has to move rows out of a default one.
import { DAY_MS } from '../../rollups/uptime.ts';
import type { PgDatabase } from './database.ts';

/** Days created ahead at open. */
const AHEAD_DAYS = 2;

export const dayOf = (at: number): number => Math.floor(at / DAY_MS) * DAY_MS;

/** `checks_p20260105` for the UTC day starting at `day`. */
export function partitionName(day: number): string {
  return `checks_p${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The partitions of `checks` that exist, by day start (kept per store, filled at open). */
export class CheckPartitions {
  readonly #db: PgDatabase;
  readonly #known = new Set<number>();

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  /** Reads the existing partitions and creates today's and the next days'. */
  async open(now: number): Promise<void> {
    for (const day of await this.list()) this.#known.add(day.day);
    await this.ensure(Array.from({ length: AHEAD_DAYS + 1 }, (_, i) => now + i * DAY_MS));
  }

  /**
   * Creates the missing partitions of the days of these times (and the next), in a short
   * transaction of its own committed before the caller's flush starts (write transactions run in
   * call order). An empty day left by a flush that then failed costs nothing and is dropped by
   * retention.
   */
  async ensure(times: Iterable<number>): Promise<void> {
    const days = new Set([...times].map(dayOf));
    // The day after the newest too, so the first flush after midnight finds its day made.
    if (days.size > 0) days.add(Math.max(...days) + DAY_MS);
    const missing = [...days].filter((day) => !this.#known.has(day));
    if (missing.length === 0) return;
    const create = this.#db.write(async (tx) => {
      for (const day of missing.sort((a, b) => a - b)) {
        await tx.run(
          `CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF checks
           FOR VALUES FROM (${day}) TO (${day + DAY_MS})`,
        );
      }
    });
    await create.catch(async (error: unknown) => {
      // IF NOT EXISTS does not cover another collector creating the same day at the same moment
      // (a duplicate key in the catalog): then the day exists, which is all this wanted.
      const existing = new Set((await this.list()).map((p) => p.day));
      if (!missing.every((day) => existing.has(day))) throw error;
    });
    for (const day of missing) this.#known.add(day);
  }

  /** Existing partitions with their day start, oldest first. */
  async list(): Promise<Array<{ name: string; day: number }>> {
    const rows = await this.#db.reader.all<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = 'checks' AND p.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
       ORDER BY c.relname`,
      [this.#db.schema],
    );
    return rows.flatMap(({ name }) => {
      const m = /^checks_p(\d{4})(\d{2})(\d{2})$/.exec(name);
      return m === null ? [] : [{ name, day: Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) }];
    });
  }

  /** Forgets every day known (they are read again as flushes need them). */
  forget(): void {
    this.#known.clear();
  }

  /** Forgets a dropped day. */
  dropped(day: number): void {
    this.#known.delete(day);
  }
}

/**
 * Whether `error` is a row that found no partition: a day this store believed made was dropped
 * meanwhile (by another collector's retention on the same schema).
 */
export function isMissingPartition(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown; routine?: unknown } } | null)?.cause;
  return cause?.code === '23514' && cause.routine === 'ExecFindPartition';
}
