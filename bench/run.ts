// `npm run bench [-- name...]`: runs the benchmarks in bench/ one after another, each in its own
// process (so one's memory and JIT state never colour the next), and stops on the first failure.
// Each benchmark measures its own baseline in the same run and prints ratios against it.
// Long ones (OPT_IN) run only when named: `npm run bench -- soak`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import process from 'node:process';

const dir = import.meta.dirname;
const all = readdirSync(dir)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .map((file) => basename(file, '.ts'))
  .sort();
/** Benchmarks too long for the default run (the soak takes 30 minutes). */
const OPT_IN = new Set(['soak']);
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`bench: no benchmark named ${unknown.join(', ')}; have: ${all.join(', ')}\n`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : all.filter((n) => !OPT_IN.has(n))) {
  process.stdout.write(`\n=== bench/${name}.ts ===\n`);
  const run = spawnSync(process.execPath, [join(dir, `${name}.ts`)], { stdio: 'inherit' });
  if (run.status !== 0) {
    process.stderr.write(`bench: ${name} failed (exit ${run.status ?? run.signal})\n`);
    process.exit(1);
  }
}
