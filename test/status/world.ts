// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here.
// A collector with a story, for the status tests: runners in three regions, monitors driven
// through the real engine (checks, verdict, incidents, rollup triggers), plus 90 days of history
// seeded into the same tables (older incidents, hourly rollups) the way the engine writes them.
//
//   api      down now (a confirmed incident, issue #42), an old incident 10 days ago
//   web      up; an incident 3 days ago that crossed midnight; a maintenance window last week
//   blog     paused
//   shop     up, created 2 days ago
import { bucketOf } from '../../collector/rollups/histogram.ts';
import { HOUR_MS } from '../../collector/rollups/hourly.ts';
import { DAY_MS } from '../../collector/rollups/uptime.ts';
import type { SqliteStore } from '../../collector/store/sqlite/index.ts';
import { drive, type Harness, type HarnessOptions, harness } from '../engine/harness.ts';

export const ISSUE_URL = 'https://github.com/acme/status/issues/42';
export const SECRET_VALUE = 's3cr3t-value-never-shown';

export interface World {
  h: Harness;
  store: SqliteStore;
  /** When the api's open incident started (its first failing check). */
  apiDownSince: number;
}

async function historyId(store: SqliteStore, id: string): Promise<number> {
  return (await store.db.reader.get<{ history_id: number }>('SELECT history_id FROM monitors WHERE id = ?', [
    id,
  ]))!.history_id;
}

export async function insertIncident(
  store: SqliteStore,
  monitorId: string,
  id: string,
  start: number,
  end: number | null,
  extra: { kind?: string; reason?: string; suppressed?: boolean } = {},
): Promise<void> {
  const hid = await historyId(store, monitorId);
  await store.db.write((tx) =>
    tx.run(
      `INSERT INTO incidents (id, history_id, monitor_id, region, kind, start_at, end_at, last_failure, failed_checks,
         reason, first_job_id, suppressed, opened_at, resolved_at, resolve_cause, updated_at)
       VALUES (?, ?, ?, NULL, ?, ?, ?, ?, 3, ?, NULL, ?, ?, ?, ?, ?)`,
      [
        id,
        hid,
        monitorId,
        extra.kind ?? 'down',
        start,
        end,
        end ?? start,
        extra.reason ?? 'status',
        extra.suppressed ? 1 : 0,
        start,
        end,
        end === null ? null : 'recovered',
        end ?? start,
      ],
    ),
  );
}

/**
 * Links an incident to a GitHub issue the way the outbox records it: a delivery of the
 * alert the recorder made for the incident. (A hand-made alert row would be one the recorder's
 * timing ticks cannot read.)
 */
export async function linkIssue(
  store: SqliteStore,
  incidentId: string,
  url: string,
  at: number,
): Promise<void> {
  await store.db.write(async (tx) => {
    const link = await tx.get<{ alert_id: string }>(
      'SELECT alert_id FROM alert_incidents WHERE incident_id = ?',
      [incidentId],
    );
    if (link === undefined) throw new Error(`no alert records incident ${incidentId}`);
    await tx.run(
      `INSERT OR REPLACE INTO alert_deliveries (alert_id, sink, state, ref_id, ref_url, error_code, error, updated_at)
       VALUES (?, 'github', 'open', '42', ?, NULL, NULL, ?)`,
      [link.alert_id, url, at],
    );
  });
}

/** Hourly rollups for the `hours` hours before the current one: 60 checks of `ms(i)` each, region r1. */
export async function seedRollups(
  store: SqliteStore,
  monitorId: string,
  now: number,
  hours: number,
  ms: (hour: number) => number,
): Promise<void> {
  const hid = await historyId(store, monitorId);
  await store.db.write(async (tx) => {
    for (let i = 1; i <= hours; i++) {
      const hour = Math.floor(now / HOUR_MS) * HOUR_MS - i * HOUR_MS;
      const value = ms(i);
      await tx.run(
        `INSERT INTO rollups (hour, history_id, region, checks, rt_count, rt_sum, rt_min, rt_max, b${bucketOf(value)}, updated_at)
         VALUES (?, ?, 'r1', 60, 60, ?, ?, ?, 60, ?)
         ON CONFLICT DO NOTHING`,
        [hour, hid, value * 60, value, value, now],
      );
    }
  });
}

export async function world(options: HarnessOptions = {}): Promise<World> {
  const h = await harness({
    ...options,
    config: { statusMaxAgeMs: 0, retentionIntervalMs: 0, ...options.config },
  });
  const store = h.app.vigil.store as SqliteStore;
  for (const region of ['r1', 'r2', 'r3']) await h.register(region);
  await h.sync(
    [
      { id: 'api', name: 'Public API', url: 'https://api.example.invalid/health?key=${API_KEY}' },
      { id: 'web', name: 'Web site', url: 'https://www.example.invalid/' },
      { id: 'blog', name: 'Blog', url: 'https://blog.example.invalid/', paused: true },
      { id: 'shop', name: 'Shop', url: 'https://shop.example.invalid/' },
    ],
    { API_KEY: SECRET_VALUE },
  );
  const now0 = h.clock.now();
  // History: monitors existed long before (shop: 2 days).
  await store.db.write(async (tx) => {
    await tx.run("UPDATE monitors SET created_at = ? WHERE id IN ('api', 'web', 'blog')", [
      now0 - 120 * DAY_MS,
    ]);
    await tx.run("UPDATE monitors SET created_at = ? WHERE id = 'shop'", [now0 - 2 * DAY_MS]);
    // ... and were checked since: uptime counts from the first result.
    await tx.run(
      'UPDATE monitor_histories SET first_result_at = (SELECT created_at FROM monitors m WHERE m.history_id = monitor_histories.history_id)',
    );
  });
  const day = Math.floor(now0 / DAY_MS) * DAY_MS;
  await insertIncident(
    store,
    'api',
    'api:down:old',
    day - 10 * DAY_MS + 3 * HOUR_MS,
    day - 10 * DAY_MS + 4 * HOUR_MS,
    {
      reason: 'connect_refused',
    },
  );
  await insertIncident(
    store,
    'web',
    'web:down:midnight',
    day - 3 * DAY_MS - HOUR_MS,
    day - 3 * DAY_MS + HOUR_MS,
    {
      reason: 'timeout',
    },
  );
  await insertIncident(store, 'web', 'web:flapping:old', day - 20 * DAY_MS, day - 20 * DAY_MS + 2 * HOUR_MS, {
    kind: 'flapping',
  });
  await seedRollups(store, 'web', now0, 23, (i) => 120 + (i % 5) * 20);
  await seedRollups(store, 'api', now0, 23, (i) => 300 + (i % 3) * 50);

  // The engine: everything up for 70 s, then the api fails from every region.
  const failing = new Set(['api']);
  let failFrom = Number.POSITIVE_INFINITY;
  await drive(h, 70_000, () => true);
  failFrom = h.clock.now();
  await drive(h, 150_000, (_runner, job, at) => !(failing.has(job.monitorId) && at >= failFrom));
  const incident = await store.db.reader.get<{ id: string; start_at: number }>(
    "SELECT id, start_at FROM incidents WHERE monitor_id = 'api' AND resolved_at IS NULL",
  );
  if (incident === undefined) throw new Error('api did not go down');
  await linkIssue(store, incident.id, ISSUE_URL, h.clock.now());
  return { h, store, apiDownSince: incident.start_at };
}
