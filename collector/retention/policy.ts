// What is kept how long (ARCHITECTURE.md "Store"): raw checks 30 days, response logs of failing checks
// 90 days, hourly rollups 400 days; excluded spans (paused, maintenance) live as long as rollups,
// since they feed the same history. Pure: cutoffs from `now`.
import { DAY_MS } from '../rollups/uptime.ts';
import type { Cutoffs } from '../store/retention-types.ts';

export type { Cutoffs };

export interface RetentionPolicy {
  checksDays: number;
  logsDays: number;
  rollupsDays: number;
}

export function cutoffs(policy: RetentionPolicy, now: number): Cutoffs {
  return {
    checks: now - policy.checksDays * DAY_MS,
    logs: now - policy.logsDays * DAY_MS,
    rollups: now - policy.rollupsDays * DAY_MS,
  };
}
