import { expect } from 'vitest';
import type { CheckResult } from '../../../probe/index.ts';

/** Phases add up to total (each is rounded to 0.01 ms), and every redirect hop's too. */
export function expectPhasesAddUp(result: CheckResult): void {
  const sum = (t: CheckResult['timings']) => t.resolve + t.connect + t.tls + t.processing + t.transfer;
  expect(Math.abs(sum(result.timings) - result.timings.total)).toBeLessThan(0.1);
  for (const hop of result.redirects)
    expect(Math.abs(sum(hop.timings) - hop.timings.total)).toBeLessThan(0.1);
  const hops = result.redirects.reduce((total, hop) => total + hop.timings.total, 0);
  expect(hops).toBeLessThanOrEqual(result.timings.total + 0.1);
  for (const value of Object.values(result.timings)) expect(value).toBeGreaterThanOrEqual(0);
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
