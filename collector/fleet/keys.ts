// Region keys: what a runner presents to register in a region. Configured as
// `VIGIL_REGION_KEYS=eu-west:KEY1,us-east:KEY2` (one key per region) or a single `KEY` (any
// region). Only sha256 hashes are kept after parsing; a presented key is hashed and compared in
// constant time, so neither its length nor a matching prefix shows in the answer time.
//
// A session is bound to the key that made it: registration hands back the key's fingerprint
// (a domain-separated sha256, never the key), the session keeps it, and every session call checks
// it against the key configured for the region now, so a rotated or removed key revokes its
// sessions (ARCHITECTURE.md "Runner sessions").
import { createHash, timingSafeEqual } from 'node:crypto';
import { hashToken } from '../http/auth.ts';

export const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const MIN_REGION_KEY_LENGTH = 16;

export class RegionKeyError extends Error {
  override name = 'RegionKeyError';
  readonly code = 'VIGIL_ERR_CONFIG';
}

/** Parsed configuration, still in clear (config holds it; RegionKeys hashes it). */
export interface RegionKeyConfig {
  /** A key valid for every region, or null. */
  any: string | null;
  byRegion: Record<string, string>;
}

export function parseRegionKeys(text: string, where = 'VIGIL_REGION_KEYS'): RegionKeyConfig {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) throw new RegionKeyError(`${where}: no key given`);
  const config: RegionKeyConfig = { any: null, byRegion: {} };
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    if (colon < 0) {
      if (entries.length > 1) {
        throw new RegionKeyError(
          `${where}: \`region:key\` entries expected when several are given (a single key without a region is valid for every region)`,
        );
      }
      config.any = checkKey(entry, where, 'the key');
      continue;
    }
    const region = entry.slice(0, colon).trim();
    const key = entry.slice(colon + 1).trim();
    if (!REGION_NAME.test(region)) {
      throw new RegionKeyError(
        `${where}: \`${region}\` is not a region name (1 to 32 lower-case letters, digits and -)`,
      );
    }
    if (config.byRegion[region] !== undefined)
      throw new RegionKeyError(`${where}: region \`${region}\` given twice`);
    config.byRegion[region] = checkKey(key, where, `the key of region \`${region}\``);
  }
  return config;
}

function checkKey(key: string, where: string, what: string): string {
  if (key.length < MIN_REGION_KEY_LENGTH) {
    throw new RegionKeyError(`${where}: ${what} must be at least ${MIN_REGION_KEY_LENGTH} characters`);
  }
  return key;
}

export type KeyCheck = { ok: true; fingerprint: string } | { ok: false; message: string };

/** What a session stores of its key: hex sha256 over a label and the key (not the key's own hash). */
export function keyFingerprint(key: string): string {
  return createHash('sha256')
    .update('vigil-region-key-fingerprint\0', 'utf8')
    .update(key, 'utf8')
    .digest('hex');
}

/** Constant-time equality of two hex fingerprints (false when either is missing). */
export function sameFingerprint(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false;
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class RegionKeys {
  readonly #any: Buffer | null;
  readonly #byRegion: Map<string, Buffer>;
  readonly #anyFingerprint: string | null;
  readonly #fingerprints: Map<string, string>;

  constructor(config: RegionKeyConfig | null) {
    this.#any = config?.any ? hashToken(config.any) : null;
    this.#byRegion = new Map(Object.entries(config?.byRegion ?? {}).map(([r, k]) => [r, hashToken(k)]));
    this.#anyFingerprint = config?.any ? keyFingerprint(config.any) : null;
    this.#fingerprints = new Map(
      Object.entries(config?.byRegion ?? {}).map(([r, k]) => [r, keyFingerprint(k)]),
    );
  }

  /** Fingerprint of the key that registers in `region` now, or null when none does. */
  fingerprintOf(region: string): string | null {
    return this.#fingerprints.get(region) ?? this.#anyFingerprint;
  }

  /** Whether a session made with the key of fingerprint `fingerprint` may still act in `region`. */
  stillValid(region: string, fingerprint: string | null): boolean {
    return sameFingerprint(fingerprint, this.fingerprintOf(region));
  }

  get configured(): boolean {
    return this.#any !== null || this.#byRegion.size > 0;
  }

  /** Regions with their own key (sorted). */
  get regions(): string[] {
    return [...this.#byRegion.keys()].sort();
  }

  verify(region: string, authorization: string | undefined): KeyCheck {
    const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const given = hashToken(match?.[1] ?? '');
    const expected = this.#byRegion.get(region) ?? this.#any;
    if (expected === null) {
      // Still hash-compare something, so an unknown region costs the same as a wrong key.
      timingSafeEqual(given, given);
      return {
        ok: false,
        message: this.configured
          ? `no key is configured for region \`${region}\` (VIGIL_REGION_KEYS has: ${this.regions.join(', ') || 'none'})`
          : 'no region keys are configured on this collector (set VIGIL_REGION_KEYS)',
      };
    }
    if (!timingSafeEqual(given, expected) || match === null) {
      return { ok: false, message: `wrong region key for region \`${region}\`` };
    }
    return { ok: true, fingerprint: this.fingerprintOf(region)! };
  }
}
