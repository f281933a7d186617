// Properties over random valid monitors: the language form is a lossless wire format.
//   normalize → serialize → load → normalize gives the same specs;
//   toDocument → validateMonitorList gives the same specs (the collector's re-validation);
//   a document with keys left out normalizes to the same spec after a round trip.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specHash } from '../../schema/hash.ts';
import { loadMonitorFiles } from '../../schema/load.ts';
import { BUILTIN_DEFAULTS, normalizeMonitor, serializeMonitors, toDocument } from '../../schema/normalize.ts';
import { validateMonitorList } from '../../schema/validate.ts';
import { monitorSpec, monitorSpecs } from './arbitraries.ts';

// VIGIL_PROPERTY_RUNS multiplies the runs, to search harder before a release.
const runs = (base: number): number => base * Number(process.env.VIGIL_PROPERTY_RUNS ?? 1);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-prop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const OPTIONAL_KEYS = Object.keys(toDocument(fc.sample(monitorSpec, 1)[0]!)).filter(
  (k) => k !== 'id' && k !== 'url',
);

describe('round trips', () => {
  it('normalize → serialize → load → normalize is the identity', async () => {
    await fc.assert(
      fc.asyncProperty(monitorSpecs, async (specs) => {
        const file = join(dir, 'roundtrip.yml');
        await writeFile(file, serializeMonitors(specs));
        const result = await loadMonitorFiles([file]);
        expect(result.diagnostics).toEqual([]);
        expect(result.monitors.map((m) => m.spec)).toEqual(specs);
      }),
      { numRuns: runs(100) },
    );
  }, 1_200_000);

  it('toDocument → validateMonitorList is the identity (the sync wire format)', () => {
    fc.assert(
      fc.property(monitorSpecs, (specs) => {
        const wire = JSON.parse(JSON.stringify(specs.map(toDocument)));
        const result = validateMonitorList(wire, 'sync');
        expect(result.diagnostics).toEqual([]);
        expect(result.specs).toEqual(specs);
      }),
      { numRuns: runs(300) },
    );
  }, 600_000);

  it('a document with keys left out normalizes to the same spec after a round trip', async () => {
    await fc.assert(
      fc.asyncProperty(monitorSpec, fc.subarray(OPTIONAL_KEYS), async (spec, dropped) => {
        const document = toDocument(spec);
        for (const key of dropped) delete document[key];
        // Dropping `method` makes it GET, which may not carry a body.
        if (!('method' in document)) delete document.body;
        // Dropping `interval` makes it the built-in one, which `timeout` must stay below.
        if (!('interval' in document) && spec.timeout >= BUILTIN_DEFAULTS.interval) delete document.timeout;
        const normalized = normalizeMonitor(document);
        const file = join(dir, 'partial.yml');
        await writeFile(file, serializeMonitors([normalized]));
        const result = await loadMonitorFiles([file]);
        expect(result.diagnostics).toEqual([]);
        expect(result.monitors[0]?.spec).toEqual(normalized);
      }),
      { numRuns: runs(100) },
    );
  }, 600_000);

  it('specHash does not depend on key order', () => {
    const shuffleKeys = (value: unknown, seed: number): unknown => {
      if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, seed));
      if (value === null || typeof value !== 'object') return value;
      const entries = Object.entries(value);
      const rotated = entries
        .slice(seed % (entries.length || 1))
        .concat(entries.slice(0, seed % (entries.length || 1)));
      return Object.fromEntries(rotated.reverse().map(([k, v]) => [k, shuffleKeys(v, seed + 1)]));
    };
    fc.assert(
      fc.property(monitorSpec, fc.nat(20), fc.string(), (spec, seed, secret) => {
        const secrets = { API_TOKEN: secret };
        expect(specHash(shuffleKeys(spec, seed) as typeof spec, secrets)).toBe(specHash(spec, secrets));
      }),
    );
  });
});
