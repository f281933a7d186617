// Region keys: parsing, hashing, verification; the collector settings that carry them.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../collector/config/config.ts';
import { keyFingerprint, parseRegionKeys, RegionKeyError, RegionKeys } from '../../collector/fleet/keys.ts';

const K1 = 'key-one-0123456789abcdef';
const K2 = 'key-two-0123456789abcdef';

describe('region keys', () => {
  it('parses region:key lists and a single any-region key', () => {
    expect(parseRegionKeys(`eu-west:${K1}, us-east:${K2}`)).toEqual({
      any: null,
      byRegion: { 'eu-west': K1, 'us-east': K2 },
    });
    expect(parseRegionKeys(K1)).toEqual({ any: K1, byRegion: {} });
  });

  it('refuses short keys, bad region names, duplicates and mixed forms, naming the problem', () => {
    expect(() => parseRegionKeys('eu:short')).toThrow(/at least 16 characters/);
    expect(() => parseRegionKeys(`EU:${K1}`)).toThrow(/`EU` is not a region name/);
    expect(() => parseRegionKeys(`eu:${K1},eu:${K2}`)).toThrow(/given twice/);
    expect(() => parseRegionKeys(`${K1},eu:${K2}`)).toThrow(RegionKeyError);
    expect(() => parseRegionKeys(' , ')).toThrow(/no key/);
  });

  it('verifies in constant time per region, with messages that name the region', () => {
    const keys = new RegionKeys(parseRegionKeys(`eu-west:${K1},us-east:${K2}`));
    expect(keys.verify('eu-west', `Bearer ${K1}`)).toEqual({ ok: true, fingerprint: keyFingerprint(K1) });
    expect(keys.verify('eu-west', `Bearer ${K2}`)).toEqual({
      ok: false,
      message: 'wrong region key for region `eu-west`',
    });
    expect(keys.verify('eu-west', undefined)).toMatchObject({
      ok: false,
      message: expect.stringContaining('eu-west'),
    });
    expect(keys.verify('ap-south', `Bearer ${K1}`)).toMatchObject({
      ok: false,
      message: expect.stringContaining('no key is configured for region `ap-south`'),
    });
    const none = new RegionKeys(null);
    expect(none.verify('a', `Bearer ${K1}`)).toMatchObject({
      ok: false,
      message: expect.stringContaining('VIGIL_REGION_KEYS'),
    });
  });

  it('comes from VIGIL_REGION_KEYS; the embedded runner is on unless VIGIL_EMBEDDED_RUNNER=false', async () => {
    const config = await loadConfig({
      env: { VIGIL_REGION_KEYS: `a:${K1}`, VIGIL_EMBEDDED_RUNNER: 'false' },
    });
    expect(config.regionKeys).toEqual({ any: null, byRegion: { a: K1 } });
    expect(config.embeddedRunner).toBe(false);
    const defaults = await loadConfig({ env: {} });
    expect(defaults.embeddedRunner).toBe(true);
    expect(defaults.regionKeys).toBeNull();
    await expect(loadConfig({ env: { VIGIL_REGION_KEYS: 'a:short' } })).rejects.toThrow(ConfigError);
    await expect(loadConfig({ env: { VIGIL_EMBEDDED_RUNNER: 'maybe' } })).rejects.toThrow(/true or false/);
    await expect(loadConfig({ env: { VIGIL_EMBEDDED_CONCURRENCY: '0' } })).rejects.toThrow(/from 1 to 1000/);
  });
});
