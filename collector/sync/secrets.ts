// Secrets on the collector side of a sync: each monitor keeps the values it references (runners
// need them), a missing value is a diagnostic at `monitors[i].<field>`, and the stored hash mixes
// in keyed fingerprints instead of the values (see fingerprint.ts).
import { createHash } from 'node:crypto';
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

/**
 * The stored hash of a monitor: its spec plus the fingerprints of its secret values.
 *
 * Not schema/hash.ts's specHash (a generic canonical JSON, ~50 µs a monitor, the largest single
 * cost of a 10,000-monitor sync): specs reaching here come from normalizeMonitor, which builds
 * every object in a fixed key order except `headers` (written order), so sorting the headers is
 * enough for a canonical text. A test keeps this independent of the order keys were sent in.
 * Only this collector compares these hashes; a change of the recipe shows once as updates with
 * no field diff.
 */
export function hashSpec(spec: MonitorSpec, fingerprints: Record<string, string>): string {
  const headers = Object.keys(spec.headers);
  const canonical =
    headers.length < 2
      ? spec
      : { ...spec, headers: Object.fromEntries(headers.sort().map((name) => [name, spec.headers[name]])) };
  const hash = createHash('sha256').update('vigil-spec-v1\n').update(JSON.stringify(canonical));
  for (const name of Object.keys(fingerprints).sort()) hash.update(`\n${name}=${fingerprints[name]}`);
  return hash.digest('hex');
}
