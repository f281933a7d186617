// The seeded plan of a kill -9 run: monitor ids whose slots spread evenly over their interval (so
// some monitor is due every few seconds, whatever moment a collector comes back), when each
// target is down, and how long each collector lives before SIGKILL. One seed gives one plan;
// the test prints it so a failing run can be replayed (VIGIL_KILL_SEED).
import { mulberry32, type Rng } from '../../collector/domain/regions.ts';
import { nextSlot, slotOffset } from '../../collector/scheduler/slots.ts';

/** The seed from `VIGIL_KILL_SEED` (decimal), else a fresh random one. */
export function seedFrom(env: string | undefined): number {
  if (env !== undefined && /^\d+$/.test(env.trim())) return Number(env.trim()) >>> 0;
  return Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
}

/** Uniform in [lo, hi). */
export function between(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** `count` ids `prefix-k-n`, the k-th with its slot in the k-th of `count` equal parts of `interval`. */
export function spreadIds(prefix: string, count: number, interval: number): string[] {
  const part = interval / count;
  const ids: string[] = [];
  for (let k = 0; k < count; k++) {
    for (let n = 0; ; n++) {
      const id = `${prefix}-${k}-${n}`;
      const offset = slotOffset(id, interval);
      if (offset >= k * part && offset < (k + 1) * part) {
        ids.push(id);
        break;
      }
    }
  }
  return ids;
}

/** Slot times of `id` (every `interval`) in [from, to]. */
export function slotsBetween(id: string, interval: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let at = nextSlot(from, interval, slotOffset(id, interval)); at <= to; at += interval) out.push(at);
  return out;
}

/** A target down from `downAt` to `upAt` (ms after the run started); each path goes down twice. */
export interface Outage {
  path: string;
  downAt: number;
  upAt: number;
}

export interface KillPlan {
  seed: number;
  /** ms each collector lives after it printed its listening line, one per kill. */
  lives: number[];
  outages: Outage[];
}

export interface KillPlanOptions {
  kills: number;
  lifeMs: [number, number];
  /** Paths that go down twice each. */
  paths: string[];
  /** When the first outage starts. */
  downStartMs: [number, number];
  downLengthMs: [number, number];
  /** Up time between the two outages. */
  upLengthMs: [number, number];
}

export function killPlan(seed: number, o: KillPlanOptions): KillPlan {
  const rng = mulberry32(seed);
  const lives = Array.from({ length: o.kills }, () => Math.round(between(rng, ...o.lifeMs)));
  const outages = o.paths.flatMap((path) => {
    const downAt = Math.round(between(rng, ...o.downStartMs));
    const upAt = downAt + Math.round(between(rng, ...o.downLengthMs));
    const againAt = upAt + Math.round(between(rng, ...o.upLengthMs));
    return [
      { path, downAt, upAt },
      { path, downAt: againAt, upAt: againAt + Math.round(between(rng, ...o.downLengthMs)) },
    ];
  });
  return { seed, lives, outages };
}
