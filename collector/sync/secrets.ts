// Secrets on the collector side of a sync: each monitor keeps the values it references (runners
// need them), a missing value is a diagnostic at `monitors[i].<field>`, and the stored hash mixes
// in keyed fingerprints instead of the values (see fingerprint.ts).
import { specHash } from '../../schema/hash.ts';
import { collectSecrets, secretRefs } from '../../schema/secrets.ts';
import type { Diagnostic, MonitorSpec, Secrets } from '../../schema/types.ts';

export function monitorSecrets(
  spec: MonitorSpec,
  given: Secrets,
  index: number,
  label: string,
): { secrets: Secrets; missing: Diagnostic[] } {
  const { secrets, diagnostics } = collectSecrets([spec], given);
  if (diagnostics.length === 0) return { secrets, missing: [] };
  // collectSecrets reports missing references in secretRefs order: pair them to place each one.
  const absent = secretRefs(spec).filter(({ name }) => !Object.hasOwn(secrets, name));
  const missing = diagnostics.map((diagnostic, i) => ({
    ...diagnostic,
    file: label,
    path: `monitors[${index}]${absent[i] === undefined ? '' : `.${absent[i].field}`}`,
  }));
  return { secrets, missing };
}

/** The stored hash of a monitor: its spec plus the fingerprints of its secret values. */
export function hashSpec(spec: MonitorSpec, fingerprints: Record<string, string>): string {
  return specHash(spec, fingerprints);
}
