// Keeping the collector's memory near its live size. With brisk allocation (every check makes a
// fresh connection, a result, a state row), V8 lets the old generation grow to up to ~4x what is
// live before a full collection: with 10,000 monitors (~85 MB live) the process reached 400+ MB
// RSS in the scheduling benchmark. A growing factor of 1.25 keeps it near 1.25x live, for more
// frequent (concurrent, incremental) major GCs that cost little CPU at this heap size. And the
// young generation is kept at its initial size (semi-space growth factor 1): Node 24 on a large
// machine lets it grow to ~120 MB resident, which bought nothing measurable here (same CPU).
//
// V8 reads `--heap-growing-percent` whenever it sets a new heap limit, so setting it once at
// process start takes effect (Node does not accept it in NODE_OPTIONS); `node
// --heap-growing-percent=N` on the command line wins. Process-wide: only the collector process
// calls this (server.ts), never tests that build apps in-process.
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 25;

export function tuneHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  const given = (flag: string) => process.execArgv.some((arg) => arg.startsWith(flag));
  if (!given('--heap-growing-percent')) setFlagsFromString(`--heap-growing-percent=${percent}`);
  if (!given('--max-semi-space-size') && !given('--semi-space-growth-factor')) {
    setFlagsFromString('--semi-space-growth-factor=1');
  }
}
