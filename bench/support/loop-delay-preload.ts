// Loaded into a collector process by bench/event-loop.ts (NODE_OPTIONS=--import=...): measures the
// process's event-loop delay with perf_hooks (beyond its sampling interval) and, on SIGUSR2, writes what it saw since the last
// signal to VIGIL_BENCH_LOOP_FILE (JSON, ms) and starts over, so the bench can cut phases.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import process from 'node:process';
import { isMainThread } from 'node:worker_threads';

const file = process.env.VIGIL_BENCH_LOOP_FILE;
if (isMainThread && file !== undefined) {
  const RESOLUTION_MS = 10;
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  // The histogram records the time between its timer's runs, the 10 ms interval included (an idle
  // loop reads 10 ms): what the loop was held up is what lies beyond it.
  const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4) / 100 - RESOLUTION_MS);
  process.on('SIGUSR2', () => {
    const snapshot = {
      count: delay.count,
      p50: ms(delay.percentile(50)),
      p99: ms(delay.percentile(99)),
      max: ms(delay.max),
    };
    delay.reset();
    writeFileSync(file, JSON.stringify(snapshot));
  });
}
