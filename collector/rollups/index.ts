// Rollups: the pure arithmetic of uptime and response time (no I/O, no clock: `now` comes in),
// plus the SQL that maintains and reads the hourly rollups (./sqlite/: triggers on the checks
// table keep them as results are written).
//
//   rollupBatch({checks, marks, missed}) -> RollupDelta[]     the same increments, computed in
//                                                             memory: the reference the trigger
//                                                             tests compare the SQL against
//   responseStats(rollups)                                    mean, p50/p95/p99, min, max
//   downtimeSpans(incidents, now), uptime(...), uptimeWindows(...), dailyUptime(...)
//   maintenanceSpans(windows, from, to)                       maintenance as spans
//   normalize/clip/subtract/totalLength                        span algebra

export * from './histogram.ts';
export * from './hourly.ts';
export { maintenanceSpans } from './maintenance.ts';
export { responseStats, statsOf } from './response.ts';
export { clip, normalize, type Span, subtract, totalLength } from './spans.ts';
export * from './uptime.ts';
