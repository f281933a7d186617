// `vigil check` on a monitor whose `matches` pattern backtracks forever in JavaScript
// (`^(a+)+$` on 28 × a + !): the process ends within the monitor's timeout with the assertion's
// result, instead of running on (it did for over 30 s with a 5 s timeout).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../probe/index.ts';
import { CLI } from '../support/collector-process.ts';
import { startTarget, type TargetServer } from '../support/target-server.ts';

let target: TargetServer;
let dir: string;
beforeAll(async () => {
  target = await startTarget({ handler: (_req, res) => res.end(`${'a'.repeat(28)}!`) });
  dir = mkdtempSync(join(tmpdir(), 'vigil-cli-redos-'));
});
afterAll(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('vigil check --monitor with a catastrophic-backtracking pattern', () => {
  it('ends within the timeout with the assertion result', { timeout: 120_000 }, async () => {
    writeFileSync(
      join(dir, 'redos.yml'),
      [
        'monitors:',
        '  - id: redos',
        `    url: ${target.url('/')}`,
        '    timeout: 5s',
        '    assertions:',
        "      - { source: body, operator: matches, value: '^(a+)+$' }",
        '',
      ].join('\n'),
    );
    const start = performance.now();
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      // Killed after 60 s: a frozen process must fail the test, not hang it.
      execFile(
        process.execPath,
        [CLI, 'check', '--monitor', 'redos', '--json', dir],
        { timeout: 60_000 },
        (error, stdout, stderr) =>
          done({
            code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
            stdout,
            stderr,
          }),
      );
    });
    const elapsed = performance.now() - start;
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout) as CheckResult;
    expect(result.reason).toBe('assertion');
    expect(result.assertions.find((a) => a.description.includes('matches'))?.pass).toBe(false);
    // The check's 5 s timeout, plus generous slack for starting Node on a loaded machine.
    expect(elapsed).toBeLessThan(5_000 + 15_000);
  });
});
