// Event-loop delay of a collector process while its embedded runner probes, against the same
// process idle, measured in the same run. The embedded runner shares the collector's event loop,
// so any synchronous stretch of probe work (a regular expression, JSON.parse, a JSONPath walk
// over a large body) delays every API answer; the probe judges bodies in a worker thread
// (probe/evaluate-thread.ts) so it should not. Phases, each measured on its own:
//   1. idle: the collector, no monitors;
//   2. small: monitors on a tiny body (status, keyword);
//   3. large: the same plus monitors whose assertions run against large bodies: `^(a+)+$` on
//      28 × a + ! (catastrophic for a backtracking engine), `matches` and `contains` on 1 MiB of
//      text, a JSON path on a 924 KiB document (JSON.parse) and `$..*..*` walks over it.
// Delay comes from perf_hooks.monitorEventLoopDelay inside the collector (a preload module,
// bench/support/loop-delay-preload.ts); /healthz is also polled from outside. Ratios are against
// the idle phase. For scale, the bench also times judging one check of each large kind in place
// (what the loop would stall for without the worker). Target: max delay under 50 ms.
//
//   node bench/event-loop.ts [--phase 32s] [--copies 4]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type EvaluationSpec, evaluate } from '../probe/evaluate.ts';
import type { Assertion } from '../schema/types.ts';
import { applyMonitors, getJson } from '../test/e2e/support.ts';
import { BIG_JSON, WALK_ALL } from '../test/probe/helpers/big-json.ts';
import { type CollectorProcess, startCollectorProcess } from '../test/support/collector-process.ts';
import { startTarget } from '../test/support/target-server.ts';

const { values } = parseArgs({
  options: { phase: { type: 'string', default: '32s' }, copies: { type: 'string', default: '4' } },
});
const PHASE_MS = Number(/^(\d+)s$/.exec(values.phase!)?.[1] ?? Number.NaN) * 1000;
const COPIES = Number(values.copies);
if (!Number.isFinite(PHASE_MS) || !(COPIES > 0)) throw new Error('usage: --phase <N>s --copies <N>');
const IDLE_MS = 10_000;
const TARGET_MAX_MS = 50;

// ---------------------------------------------------------------- bodies and monitors

const PAGE = '<p>Lorem ipsum dolor sit amet, all systems nominal, status green.</p>\n'
  .repeat(16_000)
  .slice(0, 1024 * 1024 - 64);
const BODIES: Record<string, string> = {
  '/tiny': 'ok: all good',
  '/redos': `${'a'.repeat(28)}!`,
  '/page': `<!doctype html><title>Status</title>${PAGE}</html>`,
  '/doc': BIG_JSON,
};

interface Kind {
  name: string;
  path: string;
  keywords?: string[];
  assertions: Assertion[];
}

const body = (operator: 'matches' | 'contains', value: string): Assertion => ({
  source: 'body',
  operator,
  value,
});
const SMALL: Kind = { name: 'tiny body', path: '/tiny', keywords: ['good'], assertions: [] };
const LARGE: Kind[] = [
  { name: 'redos ^(a+)+$', path: '/redos', assertions: [body('matches', '^(a+)+$')] },
  {
    name: 'matches on 1 MiB',
    path: '/page',
    assertions: [body('matches', '(?i)<title>[^<]*</title>'), body('matches', '(\\w+\\s){3}nowhere')],
  },
  {
    name: 'contains on 1 MiB',
    path: '/page',
    keywords: ['status green'],
    assertions: [body('contains', '</html>'), body('contains', 'not in the page')],
  },
  {
    name: 'json path, 924 KiB',
    path: '/doc',
    assertions: [{ source: 'json', path: '$.items[0].id', operator: 'eq', value: 0 }],
  },
  { name: 'json $..*..* x4', path: '/doc', assertions: [WALK_ALL, WALK_ALL, WALK_ALL, WALK_ALL] },
];

function monitorYaml(kind: Kind, id: string, url: string): string {
  const lines = [`  - id: ${id}`, `    url: ${url}`, '    interval: 30s', '    timeout: 10s'];
  if (kind.keywords) lines.push(`    keywords: ${JSON.stringify(kind.keywords)}`);
  if (kind.assertions.length > 0) {
    lines.push('    assertions:');
    for (const a of kind.assertions) lines.push(`      - ${JSON.stringify(a)}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- measuring

interface LoopSnapshot {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Asks the collector's preload for the delay since the last cut, and starts a new one. */
async function cut(collector: CollectorProcess, file: string): Promise<LoopSnapshot> {
  await rm(file, { force: true });
  collector.child.kill('SIGUSR2');
  for (let i = 0; i < 200; i++) {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as LoopSnapshot;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error('the collector did not write its event-loop delay');
}

/** Polls /healthz every 100 ms for `ms`; the slowest answer. */
async function healthzFor(collector: CollectorProcess, ms: number): Promise<number> {
  const end = performance.now() + ms;
  let slowest = 0;
  while (performance.now() < end) {
    const start = performance.now();
    const response = await fetch(`${collector.url}/healthz`);
    await response.arrayBuffer();
    slowest = Math.max(slowest, performance.now() - start);
    await new Promise((r) => setTimeout(r, 100));
  }
  return slowest;
}

async function accepted(collector: CollectorProcess): Promise<number> {
  const stats = await getJson<{ results: { accepted: number } }>(collector, 'v1/engine/stats');
  return stats.results.accepted;
}

/** Judging one check of `kind` in place, on this thread: best of three, ms. */
function inPlaceMs(kind: Kind): number {
  const spec: EvaluationSpec = {
    keywords: kind.keywords ?? [],
    forbidden_keywords: [],
    assertions: kind.assertions,
  };
  const text = BODIES[kind.path]!;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    evaluate(
      spec,
      { status: 200, headers: {}, responseTime: 1, tlsDaysLeft: null, body: text },
      {
        request: 'GET /',
        statusText: 'OK',
        bodyTruncated: false,
        bodyLimit: 1024 * 1024,
        bodyBytes: text.length,
      },
    );
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

// ---------------------------------------------------------------- the run

const target = await startTarget({
  handler: (req, res) => {
    res.setHeader('content-type', req.url === '/doc' ? 'application/json' : 'text/html');
    res.end(BODIES[req.url ?? ''] ?? 'not found');
  },
});
const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-loop-'));
const file = join(dir, 'loop.json');
const preload = pathToFileURL(join(import.meta.dirname, 'support/loop-delay-preload.ts')).href;
const collector = await startCollectorProcess({
  env: { NODE_OPTIONS: `--import=${preload}`, VIGIL_BENCH_LOOP_FILE: file, VIGIL_LOG_LEVEL: 'warn' },
});

interface Phase {
  name: string;
  loop: LoopSnapshot;
  healthzMax: number;
  checks: number;
}
const phases: Phase[] = [];
try {
  const run = async (name: string, ms: number) => {
    const before = await accepted(collector);
    await cut(collector, file);
    const healthzMax = await healthzFor(collector, ms);
    const loop = await cut(collector, file);
    phases.push({ name, loop, healthzMax, checks: (await accepted(collector)) - before });
    process.stdout.write(`  ${name}: done\n`);
  };
  const small = Array.from({ length: COPIES * LARGE.length }, (_, i) =>
    monitorYaml(SMALL, `small-${i}`, target.url(SMALL.path)),
  );
  const large = LARGE.flatMap((kind, k) =>
    Array.from({ length: COPIES }, (_, i) => monitorYaml(kind, `large-${k}-${i}`, target.url(kind.path))),
  );
  process.stdout.write(`phases: idle ${IDLE_MS / 1000}s, then ${PHASE_MS / 1000}s each (interval 30s)\n`);
  await new Promise((r) => setTimeout(r, 2_000));
  await run('idle (baseline)', IDLE_MS);
  await applyMonitors(collector, `monitors:\n${small.join('\n')}\n`);
  await run(`${small.length} small-body monitors`, PHASE_MS);
  await applyMonitors(collector, `monitors:\n${[...small, ...large].join('\n')}\n`);
  await run(`+ ${large.length} large-body monitors`, PHASE_MS);
} finally {
  await collector.stop();
  await target.close();
  await rm(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- report

const idle = phases[0]!;
const ratio = (value: number, base: number) => (base > 0 ? `${(value / base).toFixed(1)}x` : '-');
const pad = (text: string | number, width: number) => String(text).padStart(width);
process.stdout.write(
  `\ncollector event-loop delay (ms, beyond the 10 ms sampling interval) with its embedded runner probing\n${'phase'.padEnd(30)}${pad('checks', 7)}${pad('p50', 8)}${pad('p99', 8)}${pad('max', 8)}${pad('p99/idle', 10)}${pad('max/idle', 10)}${pad('healthz max', 13)}\n`,
);
for (const phase of phases) {
  const { loop } = phase;
  process.stdout.write(
    `${phase.name.padEnd(30)}${pad(phase.checks, 7)}${pad(loop.p50.toFixed(1), 8)}${pad(loop.p99.toFixed(1), 8)}${pad(loop.max.toFixed(1), 8)}${pad(ratio(loop.p99, idle.loop.p99), 10)}${pad(ratio(loop.max, idle.loop.max), 10)}${pad(phase.healthzMax.toFixed(1), 13)}\n`,
  );
}
process.stdout.write('\njudging one check in place (on the loop, without the worker), best of 3:\n');
for (const kind of LARGE)
  process.stdout.write(`  ${kind.name.padEnd(22)} ${inPlaceMs(kind).toFixed(1)} ms\n`);
const worst = Math.max(...phases.slice(1).map((phase) => phase.loop.max));
process.stdout.write(
  `\ntarget: max event-loop delay while probing < ${TARGET_MAX_MS} ms: ${worst < TARGET_MAX_MS ? 'met' : 'NOT met'} (${worst.toFixed(1)} ms)\n`,
);
