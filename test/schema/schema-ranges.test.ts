// The generated parts of monitors.schema.json (schema/schema-ranges.ts): up to date with the
// limits, never an error `vigil validate` would not give (an editor must not flag a valid file),
// exact for whole-second, carried spellings, and invisible in `vigil validate`'s own messages.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DURATION_RANGES } from '../../schema/limits.ts';
import { loadMonitorSources } from '../../schema/load.ts';
import { decodeMonitorText } from '../../schema/read-file.ts';
import { MONITORS_SCHEMA } from '../../schema/schema-check.ts';
import { formatJson, rangeDefName, withGeneratedDefs } from '../../schema/schema-ranges.ts';

const SCHEMA_FILE = join(import.meta.dirname, '../../schema/monitors.schema.json');

/** The schema as an editor's validator sees it: every keyword, no Vigil rules. */
const editorCheck = (() => {
  const ajv = new Ajv2020.default({ strict: true, allErrors: false });
  ajv.addKeyword('patternErrorMessage');
  addFormats.default(ajv);
  return ajv.compile(MONITORS_SCHEMA);
})();

function validate(document: unknown) {
  const text = stringify(document);
  return loadMonitorSources([{ file: 'm.yml', read: decodeMonitorText(Buffer.from(text)) }]).diagnostics;
}

describe('generated parts of monitors.schema.json', () => {
  it('are what `node schema/schema-ranges.ts --write` writes', async () => {
    const text = await readFile(SCHEMA_FILE, 'utf8');
    expect(text).toBe(`${formatJson(withGeneratedDefs(JSON.parse(text)), '')}\n`);
  });

  it('apply to every duration key, in monitors and in defaults, and to the whole file', () => {
    const defs = MONITORS_SCHEMA.$defs ?? {};
    for (const range of DURATION_RANGES) expect(defs[rangeDefName(range.field)], range.field).toBeDefined();
    expect(defs.monitor?.allOf).toEqual([
      { $ref: '#/$defs/durationRanges' },
      { $ref: '#/$defs/timeoutBelowInterval' },
      { $ref: '#/$defs/flappingOrder' },
      { $ref: '#/$defs/forbiddenHeaders' },
    ]);
    expect(defs.defaults?.allOf).toEqual([
      { $ref: '#/$defs/durationRanges' },
      { $ref: '#/$defs/forbiddenHeaders' },
    ]);
    expect(defs.assertion?.allOf).toContainEqual({ $ref: '#/$defs/assertionOperators' });
    expect(MONITORS_SCHEMA.allOf).toEqual([{ $ref: '#/$defs/timeoutBelowDefaultInterval' }]);
  });

  it('leave the messages of vigil validate as they were', () => {
    const messages = (monitor: Record<string, unknown>, defaults?: Record<string, unknown>) =>
      validate({
        ...(defaults === undefined ? {} : { defaults }),
        monitors: [{ id: 'shop', url: 'https://shop.example.com/', ...monitor }],
      }).map((d) => [d.code, d.message, d.hint]);
    expect(messages({ interval: '5s', timeout: '2s' })).toEqual([
      ['duration_out_of_range', '`interval` 5s is too short; it must be 30s..24h', 'use at least 30s'],
    ]);
    expect(messages({ interval: '30s', timeout: '45s' })).toEqual([
      [
        'timeout_not_below_interval',
        '`timeout` 45s must be shorter than `interval` 30s',
        'lower `timeout` below 30s, or raise `interval`',
      ],
    ]);
    expect(messages({ timeout: '50s' }, { interval: '45s' })).toEqual([
      [
        'timeout_not_below_interval',
        '`timeout` 50s must be shorter than `interval` 45s',
        'lower `timeout` below 45s, or raise `interval`',
      ],
    ]);
    expect(messages({ alert: { remind_every: '1m' } })).toEqual([
      [
        'duration_out_of_range',
        '`alert.remind_every` 1m is too short; it must be 0 or 5m..168h',
        'use at least 5m, or 0 to turn it off',
      ],
    ]);
    expect(messages({ interval: 0 })).toEqual([
      ['duration_out_of_range', '`interval` 0s is too short; it must be 30s..24h', 'use at least 30s'],
    ]);
    expect(messages({ interval: 60 }).map(([code]) => code)).toEqual(['invalid_duration']);
  });

  const whole = (lo: number, hi: number) => fc.integer({ min: lo, max: hi });
  /** Whole seconds around the limits, in carried spellings. */
  const carried = fc.oneof(
    whole(0, 90).map((s) => `${s}s`),
    whole(0, 90).map((s) => `${s * 1000}ms`),
    whole(0, 3).chain((m) => whole(0, 59).map((s) => `${m}m${s}s`)),
    whole(0, 30).map((m) => `${m}m`),
    whole(0, 30).map((h) => `${h}h`),
  );
  /** Spellings with a later unit at or above its carry. */
  const uncarried = fc.oneof(
    whole(0, 2).chain((m) => whole(60, 200).map((s) => `${m}m${s}s`)),
    whole(0, 90).chain((s) => whole(1000, 90_000).map((ms) => `${s}s${ms}ms`)),
  );
  const file = (value: fc.Arbitrary<string>, withDefaultTimeout: boolean) =>
    fc.record({
      defaults: fc.record(
        { interval: value, ...(withDefaultTimeout ? { timeout: value } : {}) },
        { requiredKeys: [] },
      ),
      monitors: fc.array(
        fc.record(
          {
            id: fc.constantFrom('a', 'b', 'c'),
            url: fc.constant('https://example.com/'),
            interval: value,
            timeout: value,
            alert: fc.record({ after: value, remind_every: value }, { requiredKeys: [] }),
          },
          { requiredKeys: ['id', 'url'] },
        ),
        { minLength: 1, maxLength: 3 },
      ),
    });
  const unique = (doc: { monitors: Array<{ id: string }> }) =>
    doc.monitors.forEach((monitor, index) => {
      monitor.id = `m${index}`;
    });

  it('never flag a file vigil validate accepts, whatever the spelling', () => {
    fc.assert(
      fc.property(file(fc.oneof(carried, uncarried), true), (doc) => {
        unique(doc);
        const errors = validate(doc).filter((d) => d.severity === 'error');
        if (!editorCheck(doc)) expect(errors.map((d) => d.code)).not.toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('flag every file vigil validate refuses, for whole seconds carried and no timeout in defaults', () => {
    fc.assert(
      fc.property(file(carried, false), (doc) => {
        unique(doc);
        const errors = validate(doc).filter((d) => d.severity === 'error');
        expect(editorCheck(doc), JSON.stringify(errors.map((d) => d.message))).toBe(errors.length === 0);
      }),
      { numRuns: 300 },
    );
  });
});
