// Maintenance windows as the status shows them (collector/status/maintenance.ts): the window on
// now and those starting within 7 days, for fixed and cron windows, time zones and DST, merged
// overlaps, the look-ahead's edge, and the per-lineage cache answering later instants exactly as
// a fresh computation does. Every case is a pure function of `now`: no clock, no sleeping.
import { describe, expect, it } from 'vitest';
import {
  MAINTENANCE_HORIZON_MS,
  MAX_OCCURRENCES,
  MaintenanceCalendar,
  maintenanceAt,
  maintenanceOccurrences,
} from '../../collector/status/maintenance.ts';
import type { MaintenanceWindow } from '../../schema/types.ts';

const H = 3_600_000;
const D = 24 * H;
const t = (iso: string) => Date.parse(iso);
/** What the status answers at `now`, computed fresh. */
const at = (windows: MaintenanceWindow[], now: number) => {
  const { spans } = maintenanceOccurrences(windows, now, now + MAINTENANCE_HORIZON_MS + D);
  return maintenanceAt(spans, now);
};
const w = (start: string, end: string) => ({
  start: new Date(start).toISOString(),
  end: new Date(end).toISOString(),
});

// Sunday 2026-01-11 is a Sunday; Europe/Berlin is UTC+1 in winter, UTC+2 from 2026-03-29 03:00.
const SUNDAYS_3AM_BERLIN: MaintenanceWindow = { cron: '0 3 * * 0', duration: H, timezone: 'Europe/Berlin' };
const FIXED: MaintenanceWindow = { start: '2026-01-06T02:00:00.000Z', end: '2026-01-06T04:00:00.000Z' };

interface Case {
  name: string;
  windows: MaintenanceWindow[];
  now: string;
  ongoing: { start: string; end: string } | null;
  upcoming: Array<{ start: string; end: string }>;
}

const CASES: Case[] = [
  { name: 'no windows', windows: [], now: '2026-01-05T12:00:00Z', ongoing: null, upcoming: [] },
  {
    name: 'fixed window ahead, within 7 days',
    windows: [FIXED],
    now: '2026-01-05T12:00:00Z',
    ongoing: null,
    upcoming: [w('2026-01-06T02:00:00Z', '2026-01-06T04:00:00Z')],
  },
  {
    name: 'fixed window on: its real start and end, not clipped to now',
    windows: [FIXED],
    now: '2026-01-06T03:00:00Z',
    ongoing: w('2026-01-06T02:00:00Z', '2026-01-06T04:00:00Z'),
    upcoming: [],
  },
  {
    name: 'start is inside, end is outside (half-open, like the verdict)',
    windows: [FIXED],
    now: '2026-01-06T04:00:00Z',
    ongoing: null,
    upcoming: [],
  },
  {
    name: 'exactly at the start: on',
    windows: [FIXED],
    now: '2026-01-06T02:00:00Z',
    ongoing: w('2026-01-06T02:00:00Z', '2026-01-06T04:00:00Z'),
    upcoming: [],
  },
  {
    name: 'fixed window past',
    windows: [FIXED],
    now: '2026-01-07T00:00:00Z',
    ongoing: null,
    upcoming: [],
  },
  {
    name: 'fixed window beyond the 7-day look-ahead is not listed',
    windows: [{ start: '2026-01-20T00:00:00Z', end: '2026-01-20T01:00:00Z' }],
    now: '2026-01-05T12:00:00Z',
    ongoing: null,
    upcoming: [],
  },
  {
    name: 'starting exactly 7 days ahead is listed',
    windows: [{ start: '2026-01-12T12:00:00Z', end: '2026-01-12T13:00:00Z' }],
    now: '2026-01-05T12:00:00Z',
    ongoing: null,
    upcoming: [w('2026-01-12T12:00:00Z', '2026-01-12T13:00:00Z')],
  },
  {
    name: 'weekly cron in Berlin (winter, UTC+1)',
    windows: [SUNDAYS_3AM_BERLIN],
    now: '2026-01-05T12:00:00Z',
    ongoing: null,
    upcoming: [w('2026-01-11T02:00:00Z', '2026-01-11T03:00:00Z')],
  },
  {
    name: 'weekly cron on: started before now',
    windows: [SUNDAYS_3AM_BERLIN],
    now: '2026-01-11T02:30:00Z',
    ongoing: w('2026-01-11T02:00:00Z', '2026-01-11T03:00:00Z'),
    upcoming: [w('2026-01-18T02:00:00Z', '2026-01-18T03:00:00Z')],
  },
  {
    name: 'weekly cron across the DST change (summer, UTC+2)',
    windows: [SUNDAYS_3AM_BERLIN],
    now: '2026-03-28T12:00:00Z',
    ongoing: null,
    upcoming: [w('2026-03-29T01:00:00Z', '2026-03-29T02:00:00Z')],
  },
  {
    name: 'daily cron: every occurrence within 7 days',
    windows: [{ cron: '30 1 * * *', duration: 30 * 60_000, timezone: 'UTC' }],
    now: '2026-01-05T12:00:00Z',
    ongoing: null,
    upcoming: [6, 7, 8, 9, 10, 11, 12].map((d) =>
      w(`2026-01-${String(d).padStart(2, '0')}T01:30:00Z`, `2026-01-${String(d).padStart(2, '0')}T02:00:00Z`),
    ),
  },
  {
    name: 'overlapping windows are one: fixed and cron merged',
    windows: [SUNDAYS_3AM_BERLIN, { start: '2026-01-11T01:00:00Z', end: '2026-01-11T02:30:00Z' }],
    now: '2026-01-11T01:30:00Z',
    ongoing: w('2026-01-11T01:00:00Z', '2026-01-11T03:00:00Z'),
    // The next Sunday's starts 7 days and 30 minutes ahead: past the look-ahead.
    upcoming: [],
  },
  {
    name: 'a cron window longer than its period overlaps itself: one window',
    windows: [{ cron: '0 */2 * * *', duration: 3 * H, timezone: 'UTC' }],
    now: '2026-01-05T12:30:00Z',
    // Enumerated from the occurrence that could still be on (10:00) to the end of what is computed
    // (8 days ahead): a window that never pauses ends, as far as the status knows, there.
    ongoing: w('2026-01-05T10:00:00Z', '2026-01-13T15:00:00Z'),
    upcoming: [],
  },
  {
    name: 'an unparsable cron (a hand-made spec) is no maintenance, like the verdict',
    windows: [{ cron: 'not a cron', duration: H, timezone: 'UTC' }],
    now: '2026-01-05T12:00:00Z',
    ongoing: null,
    upcoming: [],
  },
];

describe('maintenance windows at an instant', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const result = at(c.windows, t(c.now));
      expect(result.ongoing).toEqual(c.ongoing);
      expect(result.upcoming).toEqual(c.upcoming);
      expect(result.next).toEqual(c.upcoming[0] ?? null);
    });
  }

  it('lists a very frequent cron only as far as MAX_OCCURRENCES, and says how far that is', () => {
    const now = t('2026-01-05T12:00:00Z');
    const { spans, coveredTo } = maintenanceOccurrences(
      [{ cron: '*/5 * * * *', duration: 60_000, timezone: 'UTC' }],
      now,
      now + 8 * D,
    );
    expect(spans).toHaveLength(MAX_OCCURRENCES);
    expect(coveredTo).toBe(spans[MAX_OCCURRENCES - 1]!.start + 5 * 60_000);
  });
});

describe('MaintenanceCalendar', () => {
  it('answers every later instant as a fresh computation does (across a day of reuse and recomputes)', () => {
    const windows: MaintenanceWindow[] = [
      SUNDAYS_3AM_BERLIN,
      FIXED,
      { cron: '15 */6 * * *', duration: 20 * 60_000, timezone: 'America/New_York' },
    ];
    const calendar = new MaintenanceCalendar();
    const start = t('2026-01-05T00:00:00Z');
    for (let now = start; now < start + 10 * D; now += 97 * 60_000) {
      expect(calendar.of(1, windows, now), new Date(now).toISOString()).toEqual(at(windows, now));
    }
  });

  it('recomputes when the windows change, and forgets dropped lineages', () => {
    const calendar = new MaintenanceCalendar();
    const now = t('2026-01-05T12:00:00Z');
    expect(calendar.of(1, [FIXED], now).next).toEqual(w('2026-01-06T02:00:00Z', '2026-01-06T04:00:00Z'));
    const moved: MaintenanceWindow = { start: '2026-01-07T02:00:00Z', end: '2026-01-07T03:00:00Z' };
    expect(calendar.of(1, [moved], now).next).toEqual(w('2026-01-07T02:00:00Z', '2026-01-07T03:00:00Z'));
    expect(calendar.of(1, [], now)).toEqual({ ongoing: null, next: null, upcoming: [] });
    calendar.of(2, [FIXED], now);
    calendar.retain(new Set([1]));
    // Still right after being forgotten (computed again).
    expect(calendar.of(2, [FIXED], now).next).toEqual(w('2026-01-06T02:00:00Z', '2026-01-06T04:00:00Z'));
  });
});
