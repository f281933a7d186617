// Where a monitor's rounds fall in time. Each monitor gets a stable offset inside its period,
// derived from a hash of its id, and is due at every instant t with t ≡ offset (mod period),
// counted from the Unix epoch. So 10,000 monitors at 60 s spread over the whole minute instead
// of firing together, and the schedule is the same after a restart (no state needed).
//
// API:
//   hashFraction(id)                  -> [0, 1), FNV-1a 32-bit of the UTF-16 code units
//   slotOffset(id, period)            -> integer ms in [0, period)
//   nextSlot(from, period, offset)    -> smallest t >= from with (t - offset) % period === 0

/** FNV-1a over UTF-16 code units, as a fraction of 2^32. Stable across processes and versions. */
export function hashFraction(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // FNV's low bits mix poorly for short, similar ids ("m-1", "m-2"): finish with a murmur3 fmix.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

export function slotOffset(id: string, period: number): number {
  return Math.floor(hashFraction(id) * period);
}

export function nextSlot(from: number, period: number, offset: number): number {
  const k = Math.ceil((from - offset) / period);
  return k * period + offset;
}
