// When an HTTP answer says a retry may succeed: `retry-after` (seconds or a date), or GitHub's
// primary rate-limit reset (`x-ratelimit-remaining: 0` + `x-ratelimit-reset`).

/** A header's value as text, or null. */
export function headerValue(
  headers: Record<string, string | number | undefined> | undefined,
  name: string,
): string | null {
  const value = headers?.[name];
  return value === undefined ? null : String(value);
}

/** Epoch ms, or null when the answer does not say. Header names in lower case. */
export function retryAtOf(
  headers: Record<string, string | number | undefined> | undefined,
  now: number,
): number | null {
  const after = headerValue(headers, 'retry-after');
  if (after !== null && /^\d+$/.test(after.trim())) return now + Number(after) * 1000;
  if (after !== null) {
    const date = Date.parse(after);
    if (!Number.isNaN(date)) return date;
  }
  if (headerValue(headers, 'x-ratelimit-remaining') === '0') {
    const reset = Number(headerValue(headers, 'x-ratelimit-reset'));
    // One second after the reset, as GitHub's documentation recommends.
    if (Number.isFinite(reset) && reset > 0) return reset * 1000 + 1000;
  }
  return null;
}
