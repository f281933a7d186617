// The spill file (collector/engine/spill.ts): next to the database when it can, in the temp dir when
// not, nowhere (logged with the count) when neither takes it; replayed into a real store once, a
// line cut short skipped and counted, and the file removed.
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { replaySpills, spillPaths, writeSpill } from '../../collector/engine/spill.ts';
import { openSqliteStore } from '../../collector/store/sqlite/index.ts';
import { makeSpec } from '../collector/fixtures.ts';
import { batch, checkRecord, create, runnerRecord, writes } from '../store/fixtures.ts';
import { recordingLogger } from './recording-logger.ts';

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});
async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-spill-'));
  dirs.push(dir);
  return dir;
}

describe('spill', () => {
  it('goes next to the database, and replays once into the store', async () => {
    const dir = await temp();
    const tmp = await temp();
    const path = join(dir, 'vigil.db');
    const store = await openSqliteStore({ path });
    try {
      await store.monitors.sync(() => ({
        result: null,
        writes: writes({ creates: [create(makeSpec('m1'))] }),
      }));
      const historyId = (await store.monitors.list())[0]!.historyId;
      const { logger, lines } = recordingLogger();
      const rows = batch({
        checks: [checkRecord('a', historyId, 1, true), checkRecord('b', historyId, 2, false)],
        runners: [runnerRecord()],
      });
      const outcome = await writeSpill(rows, path, logger, 5, tmp);
      expect(outcome).toEqual({ written: `${path}.spill.jsonl`, rows: 3 });
      expect(lines).toMatchObject([{ level: 'warn', fields: { path: `${path}.spill.jsonl`, rows: 3 } }]);
      // A line cut short (a write that ran out of space) is skipped and counted.
      await appendFile(`${path}.spill.jsonl`, '{"k":"checks","v":{"id":"c');

      const replayed = await replaySpills(store.runtime, path, logger, tmp);
      expect(replayed).toEqual({ rows: 3, lost: 1 });
      expect(await readdir(dir)).not.toContain('vigil.db.spill.jsonl');
      const stored = await store.db.reader.all<{ job_id: string }>(
        'SELECT job_id FROM checks ORDER BY job_id',
      );
      expect(stored.map((r) => r.job_id)).toEqual(['a', 'b']);
      // Nothing left: a second start replays nothing.
      expect(await replaySpills(store.runtime, path, logger, tmp)).toEqual({ rows: 0, lost: 0 });
    } finally {
      await store.close();
    }
  });

  it('falls back to the temp dir, and says so', async () => {
    const dir = await temp();
    const tmp = await temp();
    // A directory where the spill file should be: writing it fails.
    const path = join(dir, 'vigil.db');
    await mkdir(`${path}.spill.jsonl`);
    const { logger, lines } = recordingLogger();
    const outcome = await writeSpill(batch({ runners: [runnerRecord()] }), path, logger, 5, tmp);
    const fallback = spillPaths(path, tmp)[1];
    expect(outcome).toEqual({ written: fallback, rows: 1 });
    expect(lines[0]).toMatchObject({ level: 'warn', fields: { path: fallback } });
    expect((lines[0]!.fields as { failed: unknown[] }).failed).toHaveLength(1);
    expect(await readFile(fallback, 'utf8')).toContain('"k":"runners"');
  });

  it('logs the count lost when no location takes it', async () => {
    const dir = await temp();
    const path = join(dir, 'vigil.db');
    await mkdir(`${path}.spill.jsonl`);
    const tmpFile = join(dir, 'not-a-dir');
    await writeFile(tmpFile, '');
    const { logger, lines } = recordingLogger();
    const outcome = await writeSpill(batch({ runners: [runnerRecord()] }), path, logger, 5, tmpFile);
    expect(outcome).toEqual({ written: null, rows: 1 });
    expect(lines).toMatchObject([{ level: 'error', fields: { rows: 1 } }]);
  });
});
