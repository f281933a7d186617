// The committed bundle must be exactly what a fresh build of action/src gives: GitHub runs
// action/dist, not the sources, so a stale bundle would ship old behaviour.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILES, buildAction, DEFAULT_OUTDIR } from '../../scripts/build-action.ts';

const outdir = mkdtempSync(path.join(tmpdir(), 'vigil-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('action/dist', () => {
  it('is byte-for-byte a fresh build (run `node scripts/build-action.ts` and commit if this fails)', async () => {
    await buildAction(outdir);
    for (const file of BUNDLE_FILES) {
      const fresh = readFileSync(path.join(outdir, file));
      const committed = readFileSync(path.join(DEFAULT_OUTDIR, file));
      expect(committed.equals(fresh), `action/dist/${file} differs from a fresh build`).toBe(true);
    }
  });

  it('is what action.yml runs, on node24', () => {
    const yml = readFileSync(path.join(DEFAULT_OUTDIR, '..', '..', 'action.yml'), 'utf8');
    expect(yml).toMatch(/^ {2}using: node24$/m);
    expect(yml).toMatch(/^ {2}main: action\/dist\/index\.js$/m);
  });
});
