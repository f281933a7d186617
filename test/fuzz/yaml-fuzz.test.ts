// The YAML fuzzer: mutated monitor files through `vigil validate`'s path (loadMonitorSources, the
// same code without the disk) and, when they parse, the monitors through the collector's sync
// re-validation (validateMonitorList). Never an exception, never a second per file, and every
// error diagnostic of a file has a line.
//
// Seeds: monitors/ and the fixtures of test/schema/, plus the examples written out with every key
// explicit. VIGIL_FUZZ_SEED replays a run (the seed is printed); VIGIL_FUZZ_ITERATIONS searches
// longer (default 10,000).
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMonitorFiles, loadMonitorSources } from '../../schema/load.ts';
import { serializeMonitors } from '../../schema/normalize.ts';
import { decodeMonitorText } from '../../schema/read-file.ts';
import { validateMonitorList } from '../../schema/validate.ts';
import { parseMonitorYaml } from '../../schema/yaml-source.ts';
import { Rng } from './rng.ts';
import { mutate } from './yaml-mutate.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ITERATIONS = Number(process.env.VIGIL_FUZZ_ITERATIONS ?? 10_000);
const SEED = Number(process.env.VIGIL_FUZZ_SEED ?? 20_240_601);
/** The requirement for any file up to 1 MiB; these are a few KiB. */
const PER_FILE_MS = 1_000;

function yamlFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(ROOT, dir, name));
}

async function seedFiles(): Promise<Uint8Array[]> {
  const files = [...yamlFiles('monitors'), ...yamlFiles('test/schema/fixtures/invalid')];
  const seeds = files.map((file) => new Uint8Array(readFileSync(file)));
  const { monitors } = await loadMonitorFiles(['monitors'], { cwd: ROOT });
  seeds.push(new TextEncoder().encode(serializeMonitors(monitors.map((m) => m.spec))));
  return seeds;
}

interface Failure {
  iteration: number;
  applied: string[];
  problem: string;
  bytes: Uint8Array;
}

/** One mutated file through both paths; a description of what went wrong, or null. */
function judge(bytes: Uint8Array): string | null {
  // CPU time of this process, not wall time: the bound is about the work one file can cause, and
  // CI runs other test files (and other processes) beside this one, which stretch wall time only.
  const started = process.cpuUsage();
  try {
    const { diagnostics } = loadMonitorSources([{ file: 'fuzz.yml', read: decodeMonitorText(bytes) }]);
    for (const d of diagnostics) {
      if (d.severity === 'error' && !(d.line > 0)) return `${d.code} without a line: ${d.message}`;
    }
    const read = decodeMonitorText(bytes);
    if (read.ok) {
      const parsed = parseMonitorYaml(read.text);
      if (parsed.ok && Array.isArray(parsed.value.monitors)) {
        validateMonitorList(parsed.value.monitors as unknown[], 'request');
      }
    }
  } catch (error) {
    return `threw ${(error as Error).stack ?? String(error)}`.slice(0, 2_000);
  }
  const used = process.cpuUsage(started);
  const elapsed = (used.user + used.system) / 1000;
  return elapsed > PER_FILE_MS ? `took ${elapsed.toFixed(0)} ms of CPU` : null;
}

describe('YAML fuzzer', () => {
  it(`judges ${ITERATIONS} mutated files without an exception, each within ${PER_FILE_MS} ms of CPU`, async () => {
    console.log(`YAML fuzzer: seed ${SEED} (replay with VIGIL_FUZZ_SEED=${SEED}), ${ITERATIONS} files`);
    const seeds = await seedFiles();
    const rng = new Rng(SEED);
    const failures: Failure[] = [];
    const started = performance.now();
    // YAML warnings (keys stringified) go to process.emitWarning; the fuzzer does not need them.
    const quiet = () => {};
    process.on('warning', quiet);
    try {
      for (let iteration = 0; iteration < ITERATIONS && failures.length < 5; iteration++) {
        const { bytes, applied } = mutate(rng.pick(seeds), rng, seeds);
        const problem = judge(bytes);
        if (problem !== null) failures.push({ iteration, applied, problem, bytes });
      }
    } finally {
      process.off('warning', quiet);
    }
    const saved: string[] = [];
    for (const failure of failures) {
      const file = join(tmpdir(), `vigil-fuzz-${SEED}-${failure.iteration}.yml`);
      await writeFile(file, failure.bytes);
      saved.push(`#${failure.iteration} [${failure.applied.join(', ')}] ${file}: ${failure.problem}`);
    }
    console.log(`YAML fuzzer: ${ITERATIONS} files in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(saved, `seed ${SEED}`).toEqual([]);
  }, 600_000);
});
