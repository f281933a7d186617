// The uptime and response-time arithmetic against windows computed by hand.
import { describe, expect, it } from 'vitest';
import {
  BUCKET_BOUNDS,
  bucketOf,
  DAY_MS,
  dailyUptime,
  downtimeSpans,
  emptyBuckets,
  HOUR_MS,
  maintenanceSpans,
  normalize,
  percentile,
  type RollupCheck,
  responseStats,
  rollupBatch,
  subtract,
  totalLength,
  uptime,
  uptimeWindows,
} from '../../collector/rollups/index.ts';

const T = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const NOW = T('2025-03-10T12:00:00Z');
const LONG_AGO = T('2024-01-01T00:00:00Z');

function check(at: string, ok: boolean, extra: Partial<RollupCheck> = {}): RollupCheck {
  return {
    historyId: 1,
    region: 'eu',
    at: T(at),
    ok,
    reason: ok ? null : 'status',
    totalMs: 100,
    timeoutMs: 15_000,
    ...extra,
  };
}

describe('span algebra', () => {
  it('normalizes, subtracts and measures', () => {
    expect(
      normalize([
        { start: 5, end: 8 },
        { start: 1, end: 3 },
        { start: 3, end: 4 },
        { start: 7, end: 10 },
        { start: 12, end: 12 },
      ]),
    ).toEqual([
      { start: 1, end: 4 },
      { start: 5, end: 10 },
    ]);
    expect(
      subtract(
        [{ start: 0, end: 100 }],
        [
          { start: 10, end: 20 },
          { start: 15, end: 30 },
          { start: 90, end: 200 },
          { start: -5, end: 1 },
        ],
      ),
    ).toEqual([
      { start: 1, end: 10 },
      { start: 30, end: 90 },
    ]);
    expect(
      subtract(
        [
          { start: 0, end: 10 },
          { start: 20, end: 30 },
        ],
        [{ start: 5, end: 25 }],
      ),
    ).toEqual([
      { start: 0, end: 5 },
      { start: 25, end: 30 },
    ]);
    expect(
      totalLength([
        { start: 0, end: 10 },
        { start: 5, end: 15 },
      ]),
    ).toBe(15);
  });
});

describe('uptime', () => {
  const incident = (start: string, end: string | null, kind = 'down') => ({
    kind,
    start: T(start),
    end: end === null ? null : T(end),
  });

  it('an incident spanning an hour boundary: 20 minutes down in 24 h', () => {
    const down = downtimeSpans([incident('2025-03-10T10:50:00Z', '2025-03-10T11:10:00Z')], NOW);
    const result = uptime({ from: NOW - DAY_MS, to: NOW, created: LONG_AGO, downtime: down, excluded: [] });
    expect(result.downMs).toBe(20 * MIN);
    expect(result.countedMs).toBe(1440 * MIN);
    expect(result.ratio).toBeCloseTo(1 - 20 / 1440, 12);
  });

  it('maintenance is excluded from both the window and the downtime', () => {
    const down = downtimeSpans([incident('2025-03-10T10:50:00Z', '2025-03-10T11:10:00Z')], NOW);
    const maintenance = [{ start: T('2025-03-10T11:00:00Z'), end: T('2025-03-10T11:30:00Z') }];
    const result = uptime({
      from: NOW - DAY_MS,
      to: NOW,
      created: LONG_AGO,
      downtime: down,
      excluded: maintenance,
    });
    // Down 10:50-11:00 only; 30 minutes of maintenance do not count at all.
    expect(result.downMs).toBe(10 * MIN);
    expect(result.countedMs).toBe(1410 * MIN);
    expect(result.ratio).toBeCloseTo(1 - 10 / 1410, 12);
  });

  it('paused time is excluded; an incident inside it costs nothing', () => {
    const down = downtimeSpans([incident('2025-03-10T06:30:00Z', '2025-03-10T07:00:00Z')], NOW);
    const paused = [{ start: T('2025-03-10T06:00:00Z'), end: T('2025-03-10T08:00:00Z') }];
    const result = uptime({
      from: NOW - DAY_MS,
      to: NOW,
      created: LONG_AGO,
      downtime: down,
      excluded: paused,
    });
    expect(result).toEqual({ ratio: 1, downMs: 0, countedMs: 1320 * MIN });
  });

  it('unconfirmed failures and flapping make no downtime; an open incident runs until now', () => {
    // Unconfirmed failures never become incidents: the only input is confirmed incidents.
    const down = downtimeSpans(
      [
        incident('2025-03-10T03:00:00Z', '2025-03-10T04:00:00Z', 'flapping'),
        incident('2025-03-10T11:30:00Z', null),
      ],
      NOW,
    );
    expect(down).toEqual([{ start: T('2025-03-10T11:30:00Z'), end: NOW }]);
    const windows = uptimeWindows(NOW, LONG_AGO, down, []);
    expect(windows['24h'].ratio).toBeCloseTo(1 - 30 / 1440, 12);
    expect(windows['7d'].ratio).toBeCloseTo(1 - 30 / (7 * 1440), 12);
    expect(windows['30d'].ratio).toBeCloseTo(1 - 30 / (30 * 1440), 12);
    expect(windows['90d'].ratio).toBeCloseTo(1 - 30 / (90 * 1440), 12);
  });

  it('counts only time since the lineage was created; nothing counted is null, not 100%', () => {
    const created = NOW - 6 * HOUR_MS;
    const down = downtimeSpans([incident('2025-03-10T09:00:00Z', '2025-03-10T09:30:00Z')], NOW);
    const windows = uptimeWindows(NOW, created, down, []);
    expect(windows['24h']).toEqual({ ratio: 1 - 30 / 360, downMs: 30 * MIN, countedMs: 360 * MIN });
    expect(windows['90d'].ratio).toBe(windows['24h'].ratio);
    expect(
      uptime({ from: NOW - DAY_MS, to: NOW, created: NOW + 1, downtime: [], excluded: [] }).ratio,
    ).toBeNull();
    const allPaused = [{ start: NOW - 2 * DAY_MS, end: NOW }];
    expect(
      uptime({ from: NOW - DAY_MS, to: NOW, created: LONG_AGO, downtime: down, excluded: allPaused }),
    ).toEqual({
      ratio: null,
      downMs: 0,
      countedMs: 0,
    });
  });

  it('daily cells: an incident across midnight splits between two days', () => {
    const down = downtimeSpans([incident('2025-03-08T23:00:00Z', '2025-03-09T01:00:00Z')], NOW);
    const cells = dailyUptime(NOW, 4, T('2025-03-07T12:00:00Z'), down, []);
    expect(cells.map((c) => new Date(c.day).toISOString().slice(0, 10))).toEqual([
      '2025-03-07',
      '2025-03-08',
      '2025-03-09',
      '2025-03-10',
    ]);
    // Created at noon on the 7th: half a day counted.
    expect(cells[0]).toMatchObject({ ratio: 1, countedMs: 12 * HOUR_MS });
    expect(cells[1]).toMatchObject({ ratio: 1 - 1 / 24, downMs: HOUR_MS });
    expect(cells[2]).toMatchObject({ ratio: 1 - 1 / 24, downMs: HOUR_MS });
    // Today runs until now (noon).
    expect(cells[3]).toMatchObject({ ratio: 1, countedMs: 12 * HOUR_MS });
    expect(dailyUptime(NOW, 2, NOW + DAY_MS, [], []).map((c) => c.ratio)).toEqual([null, null]);
  });
});

describe('hourly rollups', () => {
  it('keys by lineage, region and hour; marks and misses land in the check hour', () => {
    const deltas = rollupBatch({
      checks: [
        check('2025-03-10T10:59:59Z', true, { totalMs: 120 }),
        check('2025-03-10T11:00:00Z', false, { totalMs: 3 }),
        check('2025-03-10T11:00:05Z', false, { region: 'us', totalMs: 5 }),
      ],
      marks: [
        { historyId: 1, region: 'eu', at: T('2025-03-10T11:00:00Z'), mark: 'unconfirmed' },
        { historyId: 1, region: 'us', at: T('2025-03-10T11:00:05Z'), mark: 'impaired' },
      ],
      missed: [
        { historyId: 1, region: 'eu', at: T('2025-03-10T10:10:00Z') },
        { historyId: 1, region: null, at: T('2025-03-10T10:20:00Z') },
      ],
    });
    const byKey = Object.fromEntries(
      deltas.map((d) => [`${d.region}@${new Date(d.hour).toISOString().slice(11, 13)}`, d.rollup]),
    );
    expect(Object.keys(byKey).sort()).toEqual(['@10', 'eu@10', 'eu@11', 'us@11']);
    expect(byKey['eu@10']).toMatchObject({ checks: 1, failures: 0, missed: 1, rtCount: 1, rtSum: 120 });
    // The unconfirmed failure counts as a failure and as unconfirmed; its 3 ms is no response time.
    expect(byKey['eu@11']).toMatchObject({ checks: 1, failures: 1, unconfirmed: 1, rtCount: 0, rtMin: null });
    // An `impaired` mark is not an unconfirmed failure.
    expect(byKey['us@11']).toMatchObject({ checks: 1, failures: 1, unconfirmed: 0 });
    expect(byKey['@10']).toMatchObject({ checks: 0, missed: 1 });
  });

  it('a timed-out check counts as its timeout in the mean; other failures do not count', () => {
    const [delta] = rollupBatch({
      checks: [
        check('2025-03-10T11:01:00Z', true, { totalMs: 100 }),
        check('2025-03-10T11:02:00Z', true, { totalMs: 300 }),
        check('2025-03-10T11:03:00Z', false, { reason: 'timeout', totalMs: 15_003 }),
        check('2025-03-10T11:04:00Z', false, { reason: 'connect_refused', totalMs: 2 }),
        check('2025-03-10T11:05:00Z', false, {
          reason: 'connect_timeout',
          totalMs: 9_000,
          timeoutMs: 10_000,
        }),
      ],
    });
    const stats = responseStats([delta!.rollup]);
    expect(stats.count).toBe(4);
    expect(stats.mean).toBeCloseTo((100 + 300 + 15_000 + 10_000) / 4, 9);
    expect(stats.min).toBe(100);
    expect(stats.max).toBe(15_000);
    expect(delta!.rollup).toMatchObject({ checks: 5, failures: 3 });
  });

  it('merges hours and regions by addition', () => {
    const deltas = rollupBatch({
      checks: [
        check('2025-03-10T10:00:00Z', true, { totalMs: 50 }),
        check('2025-03-10T11:00:00Z', true, { totalMs: 150, region: 'us' }),
      ],
    });
    const stats = responseStats(deltas.map((d) => d.rollup));
    expect(stats).toMatchObject({ count: 2, mean: 100, min: 50, max: 150 });
  });
});

describe('histogram percentiles', () => {
  it('1..100 ms: p50 = 50, p95 = 95, p99 = 99 (exact at these bucket edges)', () => {
    const buckets = emptyBuckets();
    for (let ms = 1; ms <= 100; ms++) buckets[bucketOf(ms)]!++;
    expect(percentile(buckets, 0.5, 1, 100)).toBe(50);
    expect(percentile(buckets, 0.95, 1, 100)).toBeCloseTo(95, 9);
    expect(percentile(buckets, 0.99, 1, 100)).toBeCloseTo(99, 9);
  });

  it('clamps to the observed min and max, handles the overflow bucket and emptiness', () => {
    const buckets = emptyBuckets();
    buckets[bucketOf(120)] = 10;
    expect(percentile(buckets, 0.5, 120, 120)).toBe(120);
    const over = emptyBuckets();
    over[bucketOf(90_000)] = 1;
    expect(bucketOf(90_000)).toBe(BUCKET_BOUNDS.length);
    expect(percentile(over, 0.99, 90_000, 90_000)).toBe(90_000);
    expect(percentile(emptyBuckets(), 0.5, null, null)).toBeNull();
    expect(bucketOf(10)).toBe(0);
    expect(bucketOf(10.5)).toBe(1);
  });
});

describe('maintenance spans', () => {
  it('a daily cron window becomes one span a day, clipped to the range', () => {
    const spans = maintenanceSpans(
      [{ cron: '0 2 * * *', duration: HOUR_MS, timezone: 'UTC' }],
      T('2025-03-08T02:30:00Z'),
      T('2025-03-10T12:00:00Z'),
    );
    expect(spans).toEqual([
      { start: T('2025-03-08T02:30:00Z'), end: T('2025-03-08T03:00:00Z') },
      { start: T('2025-03-09T02:00:00Z'), end: T('2025-03-09T03:00:00Z') },
      { start: T('2025-03-10T02:00:00Z'), end: T('2025-03-10T03:00:00Z') },
    ]);
  });

  it('fixed windows, time zones, and a bad cron failing safe (no exclusion)', () => {
    expect(
      maintenanceSpans(
        [
          { start: '2025-03-09T10:00:00Z', end: '2025-03-09T11:00:00Z' },
          { cron: '0 9 * * *', duration: 30 * MIN, timezone: 'Europe/Berlin' },
          { cron: 'not a cron', duration: HOUR_MS, timezone: 'UTC' },
        ],
        T('2025-03-09T00:00:00Z'),
        T('2025-03-10T00:00:00Z'),
      ),
    ).toEqual([
      // 09:00 in Berlin (UTC+1 in March before DST) is 08:00 UTC.
      { start: T('2025-03-09T08:00:00Z'), end: T('2025-03-09T08:30:00Z') },
      { start: T('2025-03-09T10:00:00Z'), end: T('2025-03-09T11:00:00Z') },
    ]);
  });
});
