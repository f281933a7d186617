// Shares equal parts of monitor specs. Most monitors leave `tls`, `http`, `alert`, `confirm`,
// `recover`, `flapping`, `headers`, `keywords`, `assertions` and `maintenance` at the same values,
// so 10,000 specs held by the engine need a few hundred distinct sub-objects, not 200,000 (about
// a third of the engine's memory at that size). Shared parts are frozen: nobody may mutate a spec.
import type { MonitorSpec } from '../../schema/types.ts';

export class SpecInterner {
  readonly #parts = new Map<string, unknown>();

  intern(spec: MonitorSpec): MonitorSpec {
    // A copy with the same shape (fast properties), then object-valued keys replaced.
    const out: Record<string, unknown> = { ...spec };
    for (const [key, value] of Object.entries(spec)) {
      if (value === null || typeof value !== 'object') continue;
      const text = `${key}\u0000${JSON.stringify(value)}`;
      let shared = this.#parts.get(text);
      if (shared === undefined) {
        shared = deepFreeze(value);
        this.#parts.set(text, shared);
      }
      out[key] = shared;
    }
    return out as unknown as MonitorSpec;
  }

  /** Distinct shared parts (for tests and stats). */
  get size(): number {
    return this.#parts.size;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
