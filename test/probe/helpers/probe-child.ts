// Runs one probe in a process of its own and prints what the hostile-target tests measure: the
// result's reason, the wall time and the process's peak RSS. Usage:
//   node probe-child.ts '{"url": "...", "spec": {...}}'
// A separate process, so the peak RSS is the probe's alone (not the test runner's, nor the
// hostile server's), and a probe that never ends can be killed.
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { type ProbeSpec, probe, probeSpecFor } from '../../../probe/index.ts';

interface ChildInput {
  url: string;
  spec?: Partial<ProbeSpec>;
}

export interface ChildOutput {
  ok: boolean;
  reason: string | null;
  phase: string | null;
  message: string;
  elapsedMs: number;
  /** Peak resident set size of this process, bytes. */
  maxRssBytes: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput;
const start = performance.now();
const result = await probe(probeSpecFor(input.url, input.spec ?? {}));
const output: ChildOutput = {
  ok: result.ok,
  reason: result.reason,
  phase: result.phase,
  message: result.message,
  elapsedMs: Math.round(performance.now() - start),
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
};
// No process.exit: the probe must leave nothing behind (socket, timer) that keeps the process
// alive, and the test sees it when the process does not end on its own.
process.stdout.write(`${JSON.stringify(output)}\n`);
