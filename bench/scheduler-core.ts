// Pure scheduling and verdict cost for 10,000 monitors at 60 s, no I/O: how much of one core the
// scheduler's bookkeeping and the verdict's steps take, against baselines measured in the same run.
//   (a) scheduler: 10 simulated minutes, the wrapper waking at nextAt() (no polling), every round
//       reported at once; baseline: a naive scheduler scanning every monitor every 100 ms and
//       doing the same per-round work (region pick, round object).
//   (b) verdict: one `step` per scheduled result (ok) for every monitor, measured once the
//       flapping windows are full; baseline: structuredClone of such a state.
//   node bench/scheduler-core.ts [monitors]
import { mulberry32, pickOne } from '../collector/domain/regions.ts';
import { Scheduler } from '../collector/scheduler/scheduler.ts';
import { slotOffset } from '../collector/scheduler/slots.ts';
import { initialState, step } from '../collector/verdict/machine.ts';
import type { MonitorState, VerdictSpec } from '../collector/verdict/types.ts';

const N = Number(process.argv[2] ?? 10_000);
const M = 60_000;
const MINUTES = 10;
const T0 = Date.UTC(2024, 0, 1);
const REGIONS = ['a', 'b', 'c', 'd'];

function time(fn: () => number): { ms: number; count: number } {
  const start = process.hrtime.bigint();
  const count = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, count };
}

function heapScheduler(): number {
  let now = T0;
  const s = new Scheduler({ clock: () => now, rng: mulberry32(1) });
  s.setRegions({ live: REGIONS, impaired: [] });
  for (let i = 0; i < N; i++)
    s.upsert({ id: `m${i}`, interval: M, timeout: 10_000, regions: null, paused: false });
  let rounds = 0;
  const end = T0 + MINUTES * M;
  for (let at = s.nextAt(); at !== null && at < end; at = s.nextAt()) {
    now = at;
    for (const item of s.due(now)) {
      if (item.type !== 'round') continue;
      rounds++;
      s.report(item.monitorId, item.round.id);
    }
  }
  return rounds;
}

function naiveScheduler(): number {
  const rng = mulberry32(1);
  const previous: Array<string | null> = new Array(N).fill(null);
  const out: unknown[] = [];
  const next = new Float64Array(N);
  const offsets = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    offsets[i] = slotOffset(`m${i}`, M);
    next[i] = T0 + offsets[i]!;
  }
  let rounds = 0;
  for (let now = T0; now < T0 + MINUTES * M; now += 100) {
    for (let i = 0; i < N; i++) {
      if (next[i]! <= now) {
        rounds++;
        const region = pickOne(REGIONS, previous[i]!, rng)!;
        previous[i] = region;
        out.push({ type: 'round', monitorId: `m${i}`, round: { id: `m${i}@${next[i]}` }, regions: [region] });
        next[i] = next[i]! + M;
      }
    }
    out.length = 0;
  }
  return rounds;
}

const spec = (id: string): VerdictSpec => ({
  id,
  interval: M,
  timeout: 10_000,
  regions: REGIONS,
  confirm: { regions: 3 },
  recover: { checks: 3 },
  flapping: { window: 21, low: 25, high: 50 },
  paused: false,
  maintenance: [],
});

const specs = Array.from({ length: N }, (_, i) => spec(`m${i}`));
const states: MonitorState[] = specs.map(() => initialState(T0));
let minute = 0;

/** `minutes` more scheduled results for every monitor. */
function verdictSteps(minutes = MINUTES): number {
  const rng = mulberry32(2);
  const regions = { live: REGIONS, impaired: [] };
  let steps = 0;
  for (let end = minute + minutes; minute < end; minute++) {
    const k = minute;
    for (let i = 0; i < N; i++) {
      const at = T0 + k * M + i;
      const out = step({
        spec: specs[i]!,
        state: states[i]!,
        regions,
        now: at + 300,
        rng,
        event: {
          type: 'result',
          vote: {
            jobId: `j${k}-${i}`,
            round: { id: `m${i}@${at}`, purpose: 'scheduled', size: 1 },
            region: REGIONS[k % 4]!,
            runner: null,
            ok: true,
            reason: null,
            at,
          },
        },
      });
      states[i] = out.state;
      steps++;
    }
  }
  return steps;
}

function cloneBaseline(): number {
  const state = states[0]!;
  let n = 0;
  for (let k = 0; k < MINUTES * N; k++) {
    structuredClone(state);
    n++;
  }
  return n;
}

// Warm up, then measure.
heapScheduler();
naiveScheduler();
const heap = time(heapScheduler);
const naive = time(naiveScheduler);
// Fill the flapping windows (21 checks) first.
verdictSteps(21);
const verdict = time(() => verdictSteps());
const clone = time(cloneBaseline);

const perRoundUs = (heap.ms * 1000) / heap.count;
const perStepUs = (verdict.ms * 1000) / verdict.count;
const neededPerSec = N / 60;
console.log(`monitors: ${N}, simulated: ${MINUTES} min at 60 s`);
console.log(
  `scheduler (heap):   ${heap.count} rounds in ${heap.ms.toFixed(0)} ms, ${perRoundUs.toFixed(2)} µs/round ` +
    `(woken at nextAt); naive 100 ms scan baseline ${naive.ms.toFixed(0)} ms -> heap/naive = ${(heap.ms / naive.ms).toFixed(3)}`,
);
console.log(
  `verdict step:       ${verdict.count} steps in ${verdict.ms.toFixed(0)} ms, ${perStepUs.toFixed(2)} µs/step; ` +
    `structuredClone baseline ${((clone.ms * 1000) / clone.count).toFixed(2)} µs -> step/clone = ${(verdict.ms / clone.ms).toFixed(2)}`,
);
console.log(
  `share of one core at ${neededPerSec.toFixed(0)} checks/s: scheduler ${((perRoundUs * neededPerSec) / 1e4).toFixed(3)}%, ` +
    `verdict ${((perStepUs * neededPerSec) / 1e4).toFixed(3)}%`,
);
