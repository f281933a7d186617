// The command-line knobs the probe and runner-loop benchmarks share.
import { parseArgs } from 'node:util';

export interface LoopArgs {
  /** Length of one measured round. */
  seconds: number;
  rounds: number;
  concurrency: number;
}

export function loopArgs(): LoopArgs {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '1.5' },
      rounds: { type: 'string', default: '6' },
      concurrency: { type: 'string', default: '16' },
    },
  });
  return {
    seconds: Number(values.seconds),
    rounds: Number(values.rounds),
    concurrency: Number(values.concurrency),
  };
}
