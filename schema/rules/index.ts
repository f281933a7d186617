// Every per-monitor rule beyond the schema, in the order their findings read best.
import { checkAssertions } from './assertions.ts';
import type { MonitorRule, Report } from './context.ts';
import { checkDurationRanges, checkTimeoutBelowInterval } from './durations.ts';
import { checkFlapping } from './flapping.ts';
import { checkKeywords } from './keywords.ts';
import { checkMaintenance } from './maintenance.ts';
import { checkBody, checkHeaderCount, checkHeaderNames } from './request.ts';
import { checkText } from './text.ts';
import { checkUrl } from './url.ts';

/** Rules for a monitor with its file's defaults applied. */
export const MONITOR_RULES: readonly MonitorRule[] = [
  checkText,
  checkUrl,
  checkHeaderNames,
  checkHeaderCount,
  checkBody,
  checkKeywords,
  checkAssertions,
  checkDurationRanges,
  checkTimeoutBelowInterval,
  checkFlapping,
  checkMaintenance,
];

/**
 * Rules that judge a value on its own, so they also run on `defaults:` by itself: a mistake
 * there is reported even in a file whose monitors all override it. Rules that combine fields
 * (body with method, timeout with interval, low with high) only run per monitor, because a
 * monitor may set the other half.
 */
export const DEFAULTS_RULES: readonly MonitorRule[] = [
  checkText,
  checkHeaderNames,
  checkKeywords,
  checkAssertions,
  checkDurationRanges,
  checkMaintenance,
];

export function runRules(
  rules: readonly MonitorRule[],
  monitor: Record<string, unknown>,
  report: Report,
): void {
  for (const rule of rules) rule(monitor, report);
}

export type { MonitorRule, Report, RuleFinding } from './context.ts';
