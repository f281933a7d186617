// The spill file: what the write buffer could not write by shutdown (the disk full, the store
// failing) goes to `<db>.spill.jsonl` next to the database, or, when that filesystem refuses it
// too, to the OS temp dir under a name derived from the database path; the next start replays
// both into the store (before the engine loads its state) and removes them. Nothing is dropped
// without a log line: a spill nowhere writable is logged with the count lost.
//
// Format: JSON lines, a header `{"vigil":"spill","version":1,"at":...}` then one line per row,
// `{"k":"<FlushBatch key>","v":<row>}`; a line cut short (a write that ran out of space) is
// skipped and counted at replay. A failed append is truncated back, so a row is never in two
// spill files and never replayed twice.
import { createHash } from 'node:crypto';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { Logger } from '../../common/log.ts';
import { emptyFlushBatch, type FlushBatch, type RuntimeStore } from '../store/runtime-types.ts';

const KEYS = ['runners', 'checks', 'logs', 'marks', 'dropStates', 'states', 'missed', 'events'] as const;
type Key = (typeof KEYS)[number];

/** Rows in a batch (every kind). */
export function batchRows(batch: FlushBatch): number {
  return KEYS.reduce((n, k) => n + batch[k].length, 0);
}

/** Where the spill of the database `dbPath` goes: next to it first, then the OS temp dir. */
export function spillPaths(dbPath: string, tmp: string = tmpdir()): [string, string] {
  const absolute = resolve(dbPath);
  const id = createHash('sha256').update(absolute).digest('hex').slice(0, 16);
  return [`${absolute}.spill.jsonl`, resolve(tmp, `vigil-spill-${id}.jsonl`)];
}

function render(batch: FlushBatch, at: number): string {
  const lines = [JSON.stringify({ vigil: 'spill', version: 1, at })];
  for (const k of KEYS) for (const v of batch[k]) lines.push(JSON.stringify({ k, v }));
  return `${lines.join('\n')}\n`;
}

/** Appends `text` to `path`, or leaves the file as it was (removed if it did not exist). */
async function append(path: string, text: string): Promise<void> {
  const before = await stat(path).then(
    (s) => s.size,
    () => null,
  );
  const file = await open(path, 'a', 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } catch (error) {
    await (before === null ? rm(path, { force: true }) : file.truncate(before)).catch(() => undefined);
    throw error;
  } finally {
    await file.close().catch(() => undefined);
  }
}

export type SpillOutcome = { written: string; rows: number } | { written: null; rows: number };

/** Writes `batch` to the first spill location that takes it; logs where, or the count lost. */
export async function writeSpill(
  batch: FlushBatch,
  dbPath: string,
  log: Logger,
  at: number,
  tmp?: string,
): Promise<SpillOutcome> {
  const rows = batchRows(batch);
  if (rows === 0) return { written: null, rows: 0 };
  const text = render(batch, at);
  const failures: Array<{ path: string; error: string }> = [];
  for (const path of spillPaths(dbPath, tmp)) {
    try {
      await append(path, text);
      log.warn(
        { path, rows, failed: failures },
        'engine: unwritten rows spilled; the next start replays them',
      );
      return { written: path, rows };
    } catch (error) {
      failures.push({ path, error: (error as Error).message });
    }
  }
  log.error({ rows, failed: failures }, 'engine: unwritten rows LOST: no spill location is writable');
  return { written: null, rows };
}

function parse(text: string): { batch: FlushBatch; bad: number } {
  const batch = emptyFlushBatch();
  let bad = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const row = JSON.parse(line) as { k?: unknown; v?: unknown; vigil?: unknown };
      if (row.vigil === 'spill') continue;
      if (typeof row.k !== 'string' || !(KEYS as readonly string[]).includes(row.k)) throw new Error('kind');
      (batch[row.k as Key] as unknown[]).push(row.v);
    } catch {
      bad += 1;
    }
  }
  return { batch, bad };
}

/**
 * Writes every spill file of `dbPath` into the store (one transaction each) and removes it. A
 * spill the store refuses (still full) stays for the next start; the error is logged. Returns the
 * rows replayed and the lines lost (unreadable).
 */
export async function replaySpills(
  store: RuntimeStore,
  dbPath: string,
  log: Logger,
  tmp?: string,
): Promise<{ rows: number; lost: number }> {
  let replayed = 0;
  let lost = 0;
  for (const path of spillPaths(dbPath, tmp)) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    const { batch, bad } = parse(text);
    const rows = batchRows(batch);
    try {
      await store.flush(batch);
    } catch (error) {
      log.error({ err: error, path, rows }, 'engine: spill not replayed (kept for the next start)');
      continue;
    }
    await rm(path, { force: true });
    replayed += rows;
    lost += bad;
    if (bad > 0) log.error({ path, lost: bad }, 'engine: spill lines unreadable (cut short), skipped');
    log.info({ path, rows }, 'engine: spill replayed into the store and removed');
  }
  return { rows: replayed, lost };
}
