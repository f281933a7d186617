// File-level `defaults:` applied to a monitor as written (before built-in defaults). The
// monitor's own value wins; mappings merge key by key (header names compared case-insensitively);
// lists and scalars replace. Works on unvalidated data: anything that is not a mapping replaces.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Mapping-valued keys merged key by key; everything else replaces. */
const MERGED_KEYS = new Set(['headers', 'tls', 'http', 'confirm', 'recover', 'flapping', 'alert']);

export function applyFileDefaults(
  monitor: Record<string, unknown>,
  defaults: unknown,
): Record<string, unknown> {
  if (!isRecord(defaults)) return { ...monitor };
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(defaults)) {
    // Keys that cannot have defaults are reported by the schema; never let them leak in.
    if (key === 'id' || key === 'name' || key === 'url' || key === 'renamed_from') continue;
    merged[key] = value;
  }
  for (const [key, value] of Object.entries(monitor)) {
    const inherited = merged[key];
    if (MERGED_KEYS.has(key) && isRecord(value) && isRecord(inherited)) {
      merged[key] = key === 'headers' ? mergeHeaders(inherited, value) : { ...inherited, ...value };
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

function mergeHeaders(
  inherited: Record<string, unknown>,
  own: Record<string, unknown>,
): Record<string, unknown> {
  const ownNames = new Set(Object.keys(own).map((name) => name.toLowerCase()));
  const merged: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(inherited))
    if (!ownNames.has(name.toLowerCase())) merged[name] = value;
  return { ...merged, ...own };
}
