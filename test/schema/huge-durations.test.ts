// Durations too large to be exact (above 2^53 ms) or far above their field's range: a diagnostic
// naming the field at its line, in files and in the collector's re-validation, never a crash in
// normalization.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DURATION_RANGES } from '../../schema/limits.ts';
import { loadMonitorFiles } from '../../schema/load.ts';
import type { ApiError } from '../../schema/plan-types.ts';
import { validateMonitorList } from '../../schema/validate.ts';
import { build } from '../collector/build.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-durations-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FIELDS = DURATION_RANGES.map((range) => range.field);

/** A valid monitor with `value` at `field` (`maintenance.*.duration` gets a window of its own). */
function monitorWith(field: string, value: string): Record<string, unknown> {
  const monitor: Record<string, unknown> = { id: 'a', url: 'https://a.example.invalid/' };
  if (field === 'maintenance.*.duration') {
    monitor.maintenance = [{ cron: '0 3 * * 0', duration: value }];
  } else if (field.startsWith('alert.')) {
    monitor.alert = { [field.slice('alert.'.length)]: value };
  } else {
    monitor[field] = value;
  }
  return monitor;
}

const pathOf = (field: string) => `monitors[0].${field.replace('.*.', '[0].')}`;

describe('huge durations', () => {
  it('is the list of every duration key of the schema', () => {
    expect(FIELDS).toEqual([
      'interval',
      'timeout',
      'alert.after',
      'alert.remind_every',
      'alert.recovery_after',
      'maintenance.*.duration',
    ]);
  });

  for (const field of FIELDS) {
    it(`${field}: 9007199254740993ms in a file is a diagnostic at its line, not a crash`, async () => {
      const value = '9007199254740993ms';
      const text = stringify({ monitors: [monitorWith(field, value)] });
      const file = join(dir, `${field.replaceAll('*', 'x')}.yml`);
      await writeFile(file, text);
      const result = await loadMonitorFiles([file]);
      const line = text.split('\n').findIndex((l) => l.includes(value)) + 1;
      expect(result.monitors).toEqual([]);
      expect(result.diagnostics).toMatchObject([
        { code: 'duration_out_of_range', severity: 'error', path: pathOf(field), line },
      ]);
      expect(result.diagnostics[0]?.message).toContain(field.split('.').at(-1));
    });
  }

  it('any huge number of any unit, at any duration key, is refused with the field named', () => {
    const huge = fc.bigInt({ min: 2n ** 53n, max: 10n ** 40n });
    const unit = fc.constantFrom('h', 'm', 's', 'ms');
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), huge, unit, (field, count, u) => {
        const { specs, diagnostics } = validateMonitorList([monitorWith(field, `${count}${u}`)], 'request');
        expect(specs).toEqual([]);
        expect(diagnostics).toMatchObject([{ code: 'duration_out_of_range', path: pathOf(field) }]);
      }),
      { numRuns: 300 },
    );
  });

  it('a combination that overflows only when summed (h, m, s and ms all near 2^53) is refused', () => {
    const { diagnostics } = validateMonitorList(
      [monitorWith('alert.after', '2501999792h59m59s999ms')],
      'request',
    );
    expect(diagnostics).toMatchObject([{ code: 'duration_out_of_range', path: 'monitors[0].alert.after' }]);
  });
});

describe('POST /v1/sync with a huge duration', () => {
  it('answers 400 naming the field, and changes nothing', async () => {
    const b = await build();
    try {
      const response = await b.sync({
        monitors: [{ id: 'a', url: 'https://a.example.invalid/', alert: { after: '99999999999999999999h' } }],
      });
      expect(response.statusCode).toBe(400);
      const body = response.json() as ApiError;
      expect(body.code).toBe('VIGIL_ERR_INVALID_MONITORS');
      expect(body.diagnostics).toMatchObject([
        { code: 'duration_out_of_range', path: 'monitors[0].alert.after', severity: 'error' },
      ]);
      expect((await b.get('/v1/monitors')).json()).toMatchObject({ monitors: [] });
    } finally {
      await b.destroy();
    }
  });
});
