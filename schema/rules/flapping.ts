// Flapping thresholds: `low` must be below `high` (with the built-in defaults filling in
// whichever one is not written).
import { isRecord } from '../merge.ts';
import { BUILTIN_DEFAULTS } from '../normalize.ts';
import type { MonitorRule } from './context.ts';

export const checkFlapping: MonitorRule = (monitor, report) => {
  const flapping = monitor.flapping;
  if (!isRecord(flapping)) return;
  const low = flapping.low ?? BUILTIN_DEFAULTS.flapping.low;
  const high = flapping.high ?? BUILTIN_DEFAULTS.flapping.high;
  if (typeof low !== 'number' || typeof high !== 'number' || low < high) return;
  const blame = 'low' in flapping ? 'low' : 'high';
  report({
    code: 'flapping_thresholds',
    path: ['flapping', blame],
    message: `\`flapping.low\` ${low} must be lower than \`flapping.high\` ${high}`,
    hint:
      blame === 'low'
        ? `lower \`low\` below ${high}${'high' in flapping ? ' or raise `high`' : ` (\`high\` defaults to ${high})`}`
        : `raise \`high\` above ${low} (\`low\` defaults to ${low})`,
  });
};
