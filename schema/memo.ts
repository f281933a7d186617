// A small memo for pure, slow look-ups (time zone and cron parsing cost a millisecond each and
// repeat across thousands of monitors). Bounded: cleared when full, so hostile input cannot grow it.
export function memoize<A, R>(compute: (key: A) => R, limit = 1000): (key: A) => R {
  const cache = new Map<A, R>();
  return (key: A) => {
    if (cache.has(key)) return cache.get(key) as R;
    const value = compute(key);
    if (cache.size >= limit) cache.clear();
    cache.set(key, value);
    return value;
  };
}
