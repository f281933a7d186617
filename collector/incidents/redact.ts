// Secret values out of everything that leaves for a sink: every string of a value (keys too) has
// each secret value replaced by its `${NAME}` (schema/secrets.ts `redactSecrets`).
import { redactSecrets } from '../../schema/secrets.ts';
import type { Secrets } from '../../schema/types.ts';

export function redactDeep<T>(value: T, secrets: Secrets): T {
  if (Object.keys(secrets).length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactSecrets(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) out[redactSecrets(k, secrets)] = walk(inner);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
