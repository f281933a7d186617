// What a badge says for a monitor: its state, its uptime over a window, or its mean response time
// over a window, with shields.io's colour scale.
import type { MonitorStatus } from '../status/model.ts';
import { formatMs, formatUptime } from '../web/format.ts';
import type { Badge } from './svg.ts';

export const BADGE_TYPES = ['status', 'uptime', 'response'] as const;
export type BadgeType = (typeof BADGE_TYPES)[number];
export const BADGE_WINDOWS = ['24h', '7d', '30d', '90d'] as const;
export type BadgeWindow = (typeof BADGE_WINDOWS)[number];

export const COLORS = {
  brightgreen: '#4c1',
  green: '#97ca00',
  yellowgreen: '#a4a61d',
  yellow: '#dfb317',
  orange: '#fe7d37',
  red: '#e05d44',
  grey: '#9f9f9f',
} as const;

const STATE_MESSAGE: Record<string, [string, string]> = {
  up: ['up', COLORS.brightgreen],
  verifying: ['up', COLORS.brightgreen],
  down: ['down', COLORS.red],
  recovering: ['recovering', COLORS.orange],
  flapping: ['unstable', COLORS.orange],
  paused: ['paused', COLORS.grey],
  pending: ['pending', COLORS.grey],
};

export function uptimeColor(pct: number | null): string {
  if (pct === null) return COLORS.grey;
  if (pct >= 99.9) return COLORS.brightgreen;
  if (pct >= 99) return COLORS.green;
  if (pct >= 97) return COLORS.yellowgreen;
  if (pct >= 95) return COLORS.yellow;
  if (pct >= 90) return COLORS.orange;
  return COLORS.red;
}

export function responseColor(ms: number | null): string {
  if (ms === null) return COLORS.grey;
  if (ms < 300) return COLORS.brightgreen;
  if (ms < 800) return COLORS.green;
  if (ms < 2000) return COLORS.yellow;
  if (ms < 5000) return COLORS.orange;
  return COLORS.red;
}

export function badgeFor(
  monitor: MonitorStatus,
  type: BadgeType,
  window: BadgeWindow,
  label?: string,
  /** Mean response time over `window` (the status's own 24-hour figure by default). */
  responseMs: number | null = monitor.responseTime.meanMs,
): Badge {
  switch (type) {
    case 'status': {
      const [message, color] = STATE_MESSAGE[monitor.state] ?? [monitor.state, COLORS.grey];
      return { label: label ?? monitor.name, message, color };
    }
    case 'uptime': {
      const pct = monitor.uptime[window];
      return { label: label ?? `uptime ${window}`, message: formatUptime(pct), color: uptimeColor(pct) };
    }
    case 'response':
      return {
        label: label ?? `response ${window}`,
        message: formatMs(responseMs),
        color: responseColor(responseMs),
      };
  }
}
