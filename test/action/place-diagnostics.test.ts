// Diagnostics the collector returns name monitors by their index in the request; the Action puts
// them back on the file and line each monitor came from, so they annotate the right place.
import { describe, expect, it } from 'vitest';
import { placeDiagnostics } from '../../action/src/collector-sync.ts';
import type { LoadedMonitor } from '../../action/src/validate-files.ts';
import type { Diagnostic } from '../../schema/types.ts';

const monitors = [
  { spec: { id: 'a' }, source: { file: 'monitors/a.yml', line: 2, column: 5 } },
  { spec: { id: 'b' }, source: { file: 'monitors/b.yml', line: 9, column: 5 } },
] as unknown as LoadedMonitor[];

function fromCollector(path: string | undefined): Diagnostic {
  const d: Diagnostic = {
    file: 'request',
    line: 0,
    column: 0,
    endLine: 0,
    endColumn: 0,
    code: 'out_of_range',
    message: 'too big',
    severity: 'error',
  };
  if (path !== undefined) d.path = path;
  return d;
}

describe('placeDiagnostics', () => {
  it('moves an indexed diagnostic onto its monitor, naming the field', () => {
    const [placed] = placeDiagnostics([fromCollector('monitors[1].alert.after')], monitors);
    expect(placed).toMatchObject({
      file: 'monitors/b.yml',
      line: 9,
      column: 5,
      message: 'alert.after: too big',
      code: 'out_of_range',
    });
  });

  it('leaves diagnostics it cannot place as they are', () => {
    const unplaced = [fromCollector(undefined), fromCollector('monitors[7].url'), fromCollector('revision')];
    expect(placeDiagnostics(unplaced, monitors)).toEqual(unplaced);
  });
});
