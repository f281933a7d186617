// The status benchmark's data: monitors with generated history (hourly rollups, incidents, states
// with last results per region, issue links), written straight into a SQLite store at the speed
// of multi-row INSERTs. Run in a child process by bench/status.ts.
import { BUCKET_BOUNDS, BUCKET_COUNT } from '../../collector/rollups/histogram.ts';
import { HOUR_MS } from '../../collector/rollups/hourly.ts';
import { DAY_MS } from '../../collector/rollups/uptime.ts';
import type { SqlValue } from '../../collector/store/sqlite/connection.ts';
import { insertRows } from '../../collector/store/sqlite/database.ts';
import { openSqliteStore } from '../../collector/store/sqlite/index.ts';
import { MONITOR_INSERT_COLUMNS } from '../../collector/store/sqlite/monitor-store.ts';
import {
  INCIDENT_COLUMNS,
  RUNNER_COLUMNS,
  STATE_COLUMNS,
} from '../../collector/store/sqlite/runtime-rows.ts';
import type { MonitorSpec } from '../../schema/types.ts';
import { makeSpec } from '../../test/collector/fixtures.ts';

export const REGIONS = ['eu-west', 'us-east', 'ap-south'];

function spec(i: number): MonitorSpec {
  const id = `m-${String(i).padStart(5, '0')}`;
  // The engine's defaults (makeSpec), with a name, a secret-bearing URL on every tenth monitor,
  // a header, a keyword, and some paused and some with maintenance.
  return makeSpec(id, {
    name: `Service ${i}`,
    url:
      i % 10 === 0
        ? `https://svc-${i}.example.invalid/health?key=\${KEY}`
        : `https://svc-${i}.example.invalid/health`,
    headers: { 'X-Bench': `v${i % 7}` },
    keywords: ['ok'],
    paused: i % 100 === 7,
    maintenance: i % 100 === 3 ? [{ cron: '0 3 * * *', duration: 1_800_000, timezone: 'UTC' }] : [],
  });
}

function verdictJson(state: string, since: number, now: number): string {
  const window = Array.from({ length: 21 }, (_, k) => ({
    ok: true,
    at: now - (21 - k) * 60_000,
    reason: null,
    jobId: `job-${k}-${since}`,
  }));
  return JSON.stringify({
    v: 1,
    state,
    since,
    seq: 1234,
    round: null,
    window,
    score: 0,
    incident: null,
    streak: [],
    note: null,
    lastCheckAt: now - 30_000,
    closedRounds: ['r1', 'r2', 'r3'],
    lastVerify: null,
  });
}

/** Writes `count` monitors with `days` of history up to `now` into a new SQLite store at `path`. */
export async function generate(
  path: string,
  days: number,
  count: number,
  now: number,
): Promise<{ ms: number; rollups: number; incidents: number }> {
  const started = performance.now();
  const store = await openSqliteStore({ path });
  const db = store.db;
  const created = now - (days + 30) * DAY_MS;
  await db.write(async (tx) => {
    await tx.exec(
      'PRAGMA cache_size = -1000000; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 100000',
    );
    const histories: SqlValue[][] = [];
    const monitors: SqlValue[][] = [];
    for (let i = 0; i < count; i++) {
      const s = spec(i);
      histories.push([i + 1, s.id as string, created]);
      monitors.push([
        i + 1,
        s.id as string,
        s.name as string,
        JSON.stringify(s),
        `h${i}`,
        '{}',
        '{}',
        1,
        'bench',
        created,
        created,
      ]);
    }
    await insertRows(tx, 'monitor_histories', ['history_id', 'first_id', 'created_at'], histories);
    await insertRows(tx, 'monitors', MONITOR_INSERT_COLUMNS, monitors);
  });

  // Hourly rollups, one region, `days` days: generated inside SQLite (INSERT ... SELECT over a
  // recursive CTE, one day of all monitors per statement, in primary-key order); the secondary
  // index is built once at the end.
  const bucketCase = `CASE ${BUCKET_BOUNDS.map((b, k) => `WHEN rt <= ${b} THEN ${k}`).join(' ')} ELSE ${BUCKET_BOUNDS.length} END`;
  const bucketCols = Array.from({ length: BUCKET_COUNT }, (_, k) => `b${k}`);
  await db.write((tx) => tx.exec('DROP INDEX rollups_by_history'));
  const firstHour = Math.floor(now / HOUR_MS) * HOUR_MS - days * 24 * HOUR_MS;
  for (let day = 0; day < days; day++) {
    if (day % 10 === 0)
      process.stderr.write(`  day ${day}/${days} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    const from = firstHour + day * 24 * HOUR_MS;
    await db.write((tx) =>
      tx.run(
        `WITH RECURSIVE hours(hour) AS (SELECT ?1 UNION ALL SELECT hour + ${HOUR_MS} FROM hours WHERE hour + ${HOUR_MS} < ?2),
           m AS MATERIALIZED (SELECT history_id FROM monitor_histories),
           g AS (SELECT hour, history_id, 40 + ((history_id * 37 + hour / ${HOUR_MS}) % 400) AS rt FROM hours CROSS JOIN m),
           gb AS MATERIALIZED (SELECT hour, history_id, rt, ${bucketCase} AS bk FROM g)
         INSERT INTO rollups (hour, history_id, region, checks, failures, unconfirmed, missed, rt_count, rt_sum, rt_min, rt_max, ${bucketCols.join(', ')}, updated_at)
         SELECT hour, history_id, 'eu-west', 60, (history_id + hour / ${HOUR_MS}) % 97 = 0, 0, 0, 60, 60 * rt, rt - 5, rt + 20,
                ${bucketCols.map((_, k) => `(bk = ${k}) * 60`).join(', ')}, ?2
         FROM gb`,
        [from, Math.min(from + 24 * HOUR_MS, now + HOUR_MS)],
      ),
    );
  }
  // The current hour, partly filled (what the triggers keep as results arrive).
  process.stderr.write(`  rollups written (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  await db.write((tx) => tx.exec('CREATE INDEX rollups_by_history ON rollups (history_id, hour)'));
  process.stderr.write(`  index built (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);

  // Incidents: 0..3 resolved per monitor over the window, 2% of monitors down right now (with a
  // GitHub issue link), states and last results for every monitor.
  let incidentCount = 0;
  await db.write(async (tx) => {
    const incidents: SqlValue[][] = [];
    const states: SqlValue[][] = [];
    const alerts: SqlValue[][] = [];
    const links: SqlValue[][] = [];
    const deliveries: SqlValue[][] = [];
    for (let i = 0; i < count; i++) {
      const hid = i + 1;
      const id = `m-${String(i).padStart(5, '0')}`;
      for (let k = 0; k < i % 4; k++) {
        const start = now - Math.floor((((i * 7919 + k * 104729) % 1000) / 1000) * days * DAY_MS) - HOUR_MS;
        const end = start + (2 + ((i + k) % 88)) * 60_000;
        incidents.push([
          `${id}:down:${start}`,
          hid,
          id,
          null,
          'down',
          start,
          end,
          end,
          3,
          'status',
          null,
          0,
          start,
          end,
          'recovered',
          end,
        ]);
      }
      const down = i % 50 === 0;
      const since = down ? now - (5 + (i % 120)) * 60_000 : now - ((i % 30) + 1) * DAY_MS;
      if (down) {
        const incidentId = `${id}:down:${since}`;
        incidents.push([
          incidentId,
          hid,
          id,
          null,
          'down',
          since,
          null,
          now - 30_000,
          9,
          'connect_timeout',
          null,
          0,
          since,
          null,
          null,
          now,
        ]);
        alerts.push([`alert-${incidentId}`, 'down', id, id, 'open', since, null, now, '{}']);
        links.push([incidentId, `alert-${incidentId}`]);
        deliveries.push([
          `alert-${incidentId}`,
          'github',
          'open',
          String(i),
          `https://github.com/acme/status/issues/${i}`,
          null,
          null,
          now,
        ]);
      }
      const state = spec(i).paused ? 'paused' : down ? 'down' : 'up';
      const lastResults = REGIONS.map((region, r) => ({
        region,
        jobId: `job-${i}-${r}`,
        runner: `${region}-1`,
        purpose: 'scheduled',
        ok: !down,
        reason: down ? 'connect_timeout' : null,
        message: down ? 'connect timeout after 15 s' : '200 OK in 120 ms',
        status: down ? null : 200,
        totalMs: down ? 15_000 : 80 + ((i + r) % 200),
        at: now - (r + 1) * 20_000,
        mark: null,
      }));
      states.push([
        hid,
        id,
        state,
        since,
        verdictJson(state, since, now),
        now - 60_000,
        JSON.stringify(lastResults),
        now,
      ]);
    }
    incidentCount = incidents.length;
    await insertRows(tx, 'incidents', INCIDENT_COLUMNS, incidents);
    await insertRows(tx, 'monitor_states', STATE_COLUMNS, states);
    await insertRows(
      tx,
      'alerts',
      ['id', 'kind', 'monitor_id', 'subject', 'status', 'start_at', 'closed_at', 'updated_at', 'data'],
      alerts,
    );
    await insertRows(tx, 'alert_incidents', ['incident_id', 'alert_id'], links);
    await insertRows(
      tx,
      'alert_deliveries',
      ['alert_id', 'sink', 'state', 'ref_id', 'ref_url', 'error_code', 'error', 'updated_at'],
      deliveries,
    );
    await insertRows(
      tx,
      'runners',
      RUNNER_COLUMNS,
      REGIONS.map((region, r) => [
        `runner-${r}`,
        region,
        `${region}-1`,
        '0.1.0',
        50,
        0,
        `hash-${r}`,
        now - DAY_MS,
        now - 5000,
        null,
      ]),
    );
  });
  const rollups = (await db.reader.get<{ n: number }>('SELECT count(*) AS n FROM rollups'))!.n;
  await store.close();
  return { ms: performance.now() - started, rollups, incidents: incidentCount };
}
