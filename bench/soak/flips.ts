// The soak's known schedule of outages: one monitor in `every` is a flipper; its target answers
// 500 for `downMs` once per `periodMs`, at a phase spread by its index, from `t0 + warmupMs` on.
// Pure: the target process answers from it and the benchmark judges the collector against it.

export interface FlipPlan {
  /** Epoch ms the schedule counts from (the sync). */
  t0: number;
  /** No outage before this (new monitors' first rounds spread over one interval). */
  warmupMs: number;
  periodMs: number;
  downMs: number;
  /** Monitor i flips when i % every === 0. */
  every: number;
}

export interface Outage {
  downAt: number;
  upAt: number;
}

export const isFlipper = (plan: FlipPlan, i: number): boolean => i % plan.every === 0;

/** Offset of monitor i's outages inside the period: flippers spread evenly over it. */
function phaseOf(plan: FlipPlan, i: number, count: number): number {
  const flippers = Math.max(1, Math.ceil(count / plan.every));
  return Math.floor(((i / plan.every) * plan.periodMs) / flippers);
}

/** Whether monitor i's target fails at `at`. */
export function isDown(plan: FlipPlan, i: number, count: number, at: number): boolean {
  if (!isFlipper(plan, i)) return false;
  const x = at - plan.t0 - plan.warmupMs - phaseOf(plan, i, count);
  return x >= 0 && x % plan.periodMs < plan.downMs;
}

/** Monitor i's outages that start in [from, to]. */
export function outagesOf(plan: FlipPlan, i: number, count: number, from: number, to: number): Outage[] {
  if (!isFlipper(plan, i)) return [];
  const out: Outage[] = [];
  const first = plan.t0 + plan.warmupMs + phaseOf(plan, i, count);
  for (let downAt = first; downAt <= to; downAt += plan.periodMs) {
    if (downAt >= from) out.push({ downAt, upAt: downAt + plan.downMs });
  }
  return out;
}
