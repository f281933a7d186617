// Region choice, shared by the scheduler (periodic rounds) and the verdict (verification and
// recovery checks). Pure: randomness comes from an injected `Rng`.
//
// API:
//   type Rng = () => number                                   uniform in [0, 1)
//   interface RegionView { live: readonly string[]; impaired: readonly string[] }
//   monitorRegions(configured, live)      -> the monitor's regions that have a live runner
//                                            (configured null = every region), in `live` order
//   votingRegions(configured, view)       -> those minus impaired ones, unless that leaves none:
//                                            a monitor whose only live regions are impaired keeps
//                                            them (a vote from an impaired region beats no vote)
//   pickOne(candidates, previous, rng)    -> random candidate, never `previous` when >= 2 candidates
//   pickMany(candidates, k, rng)          -> k distinct random candidates (all when k >= length)
//   noRunnerMessage(configured)           -> "no runner in regions X, Y" (status text of a missed round)
//   mulberry32(seed)                      -> a small seeded Rng for tests and simulations

export type Rng = () => number;

/** Regions with at least one live runner, and the subset currently impaired. */
export interface RegionView {
  live: readonly string[];
  impaired: readonly string[];
}

export function monitorRegions(configured: readonly string[] | null, live: readonly string[]): string[] {
  if (configured === null) return [...live];
  const wanted = new Set(configured);
  return live.filter((r) => wanted.has(r));
}

export function votingRegions(configured: readonly string[] | null, view: RegionView): string[] {
  const regions = monitorRegions(configured, view.live);
  if (view.impaired.length === 0) return regions;
  const impaired = new Set(view.impaired);
  const healthy = regions.filter((r) => !impaired.has(r));
  return healthy.length > 0 ? healthy : regions;
}

/** True when votes from `region` must be set aside for a monitor with these regions. */
export function isSetAside(region: string, configured: readonly string[] | null, view: RegionView): boolean {
  if (!view.impaired.includes(region)) return false;
  // Only when the monitor has somewhere better to ask: otherwise the impaired region is all it has.
  const impaired = new Set(view.impaired);
  return monitorRegions(configured, view.live).some((r) => !impaired.has(r));
}

function index(rng: Rng, n: number): number {
  // Guard against an injected rng returning exactly 1.
  return Math.min(n - 1, Math.floor(rng() * n));
}

export function pickOne(candidates: readonly string[], previous: string | null, rng: Rng): string | null {
  if (candidates.length === 0) return null;
  if (candidates.length === 1) return candidates[0]!;
  const pool = previous === null ? candidates : candidates.filter((r) => r !== previous);
  return pool[index(rng, pool.length)]!;
}

export function pickMany(candidates: readonly string[], k: number, rng: Rng): string[] {
  const pool = [...candidates];
  const n = Math.min(Math.max(0, k), pool.length);
  // Partial Fisher-Yates: the first n slots end up a uniform random n-subset.
  for (let i = 0; i < n; i++) {
    const j = i + index(rng, pool.length - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, n);
}

export function noRunnerMessage(configured: readonly string[] | null): string {
  if (configured === null) return 'no runner in any region';
  if (configured.length === 1) return `no runner in region ${configured[0]}`;
  return `no runner in regions ${configured.join(', ')}`;
}

/** Seeded PRNG (mulberry32): deterministic simulations and tests. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
