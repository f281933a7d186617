// A monitor's content hash: equal for equal specs whatever the key order, different when any
// field or any referenced secret's value changes. A secret value enters only as its own sha256,
// so the hash can be shown and stored without revealing it.
import { createHash } from 'node:crypto';
import { secretRefs } from './secrets.ts';
import type { MonitorSpec, Secrets } from './types.ts';

/** JSON with object keys sorted at every level; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Hex sha256 over the canonical spec and the hashes of the secrets it references. */
export function specHash(spec: MonitorSpec, secrets: Secrets): string {
  const secretHashes: Record<string, string | null> = {};
  for (const { name } of secretRefs(spec)) {
    const value = secrets[name];
    secretHashes[name] = value === undefined ? null : sha256(value);
  }
  return sha256(canonicalJson({ spec, secrets: secretHashes }));
}
