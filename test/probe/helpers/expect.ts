import { expect } from 'vitest';
import type { CheckResult, Timings } from '../../../probe/index.ts';

const ORDER = ['resolve', 'connect', 'tls', 'processing', 'transfer'] as const;

/** The phases present; a phase that never happened is null, never 0 or missing. */
function present(t: Timings): number[] {
  for (const key of ORDER) expect(t[key] === null || typeof t[key] === 'number', key).toBe(true);
  return ORDER.map((key) => t[key]).filter((value): value is number => value !== null);
}

/**
 * The phases present add up to total (each is rounded to 0.01 ms), and every redirect hop's too.
 * Without redirects, a failure's phase is present and none after it is; an answered check has
 * `processing` and `transfer`; TLS details mean a `tls` phase.
 */
export function expectPhasesAddUp(result: CheckResult): void {
  const sum = (t: Timings) => present(t).reduce((total, value) => total + value, 0);
  expect(Math.abs(sum(result.timings) - result.timings.total)).toBeLessThan(0.1);
  for (const hop of result.redirects)
    expect(Math.abs(sum(hop.timings) - hop.timings.total)).toBeLessThan(0.1);
  const hops = result.redirects.reduce((total, hop) => total + hop.timings.total, 0);
  expect(hops).toBeLessThanOrEqual(result.timings.total + 0.1);
  for (const value of [...present(result.timings), result.timings.total])
    expect(value).toBeGreaterThanOrEqual(0);
  if (result.tls !== null) expect(result.timings.tls).not.toBeNull();
  if (result.status !== null && result.phase === null) {
    expect(result.timings.processing).not.toBeNull();
    expect(result.timings.transfer).not.toBeNull();
  }
  if (result.phase !== null && result.redirects.length === 0) {
    const failedAt = ORDER.indexOf(result.phase);
    expect(result.timings[result.phase], `${result.phase} of a check that failed in it`).not.toBeNull();
    for (const key of ORDER.slice(failedAt + 1)) expect(result.timings[key], key).toBeNull();
  }
}

/** A down result with this reason (and phase, when given), whose phases add up. */
export function expectDown(
  result: CheckResult,
  reason: CheckResult['reason'],
  phase?: CheckResult['phase'],
): void {
  expect({ ok: result.ok, reason: result.reason }, result.message).toEqual({ ok: false, reason });
  if (phase !== undefined) expect(result.phase).toBe(phase);
  expect(result.log).toBeDefined();
  expect(result.message.length).toBeGreaterThan(10);
  expectPhasesAddUp(result);
}

export function expectUp(result: CheckResult): void {
  expect({ ok: result.ok, reason: result.reason }, result.message).toEqual({ ok: true, reason: null });
  expect(result.phase).toBeNull();
  expect(result.log).toBeUndefined();
  expectPhasesAddUp(result);
}
