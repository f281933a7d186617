// Secret values are compared through keyed fingerprints (HMAC with a key that never leaves the
// collector), not bare hashes: plan ids are public (PR comments) and a bare hash of a weak secret
// could be brute-forced offline from them.
import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import type { Secrets } from '../../schema/types.ts';
import type { SettingsStore } from '../store/types.ts';

const KEY_SETTING = 'secret_fingerprint_key';

export async function loadFingerprintKey(settings: SettingsStore): Promise<KeyObject> {
  const stored = await settings.get(KEY_SETTING);
  const hex = stored ?? (await settings.setIfAbsent(KEY_SETTING, randomBytes(32).toString('hex')));
  // A KeyObject once: building the key from bytes on every HMAC costs more than the HMAC.
  return createSecretKey(Buffer.from(hex, 'hex'));
}

/** Fingerprint of each named secret value (computed once per request, not per monitor). */
export function fingerprints(key: KeyObject, secrets: Secrets): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(secrets)) {
    out[name] = createHmac('sha256', key).update(name).update('\0').update(value).digest('hex').slice(0, 32);
  }
  return out;
}
