// GET /metrics parsed with a strict Prometheus text parser (prometheus.ts), on the world of
// world.ts: monitor states, checks counted from the store, histograms, runners, incidents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_NAMES } from '../../collector/verdict/types.ts';
import { type Family, parsePrometheus, value } from './prometheus.ts';
import { type World, world } from './world.ts';

describe('GET /metrics', () => {
  let w: World;
  let families: Map<string, Family>;
  beforeAll(async () => {
    w = await world();
    await w.store.db.write(async (tx) => {
      const web = await tx.get<{ history_id: number }>("SELECT history_id FROM monitors WHERE id = 'web'");
      await tx.run(
        "INSERT INTO tls_expiry (history_id, region, checked_at, expires_at) VALUES (?, 'r1', 0, ?)",
        [web!.history_id, Date.UTC(2026, 5, 1)],
      );
    });
    const response = await w.h.get('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    families = parsePrometheus(response.body);
  }, 180_000);
  afterAll(() => w.h.destroy());

  it('monitor up and state', () => {
    expect(value(families, 'vigil_monitor_up', { monitor: 'api' })).toBe(0);
    expect(value(families, 'vigil_monitor_up', { monitor: 'web' })).toBe(1);
    expect(value(families, 'vigil_monitor_info', { monitor: 'web', name: 'Web site' })).toBe(1);
    // Paused monitors have no up/down.
    expect(value(families, 'vigil_monitor_up', { monitor: 'blog' })).toBeUndefined();
    for (const state of STATE_NAMES) {
      expect(value(families, 'vigil_monitor_state', { monitor: 'api', state })).toBe(
        state === 'down' ? 1 : 0,
      );
    }
    expect(families.get('vigil_monitor_state')!.type).toBe('gauge');
    expect(value(families, 'vigil_monitor_uptime_ratio', { monitor: 'shop', window: '30d' })).toBe(1);
  });

  it('counts every stored check by result, reason and region, with phase histograms', async () => {
    const stored = await w.store.db.reader.all<{
      ok: number;
      reason: string | null;
      region: string;
      n: number;
    }>('SELECT ok, reason, region, count(*) AS n FROM checks GROUP BY ok, reason, region');
    expect(stored.length).toBeGreaterThan(0);
    for (const row of stored) {
      expect(
        value(families, 'vigil_checks_total', {
          result: row.ok ? 'success' : 'failure',
          reason: row.reason ?? '',
          region: row.region,
        }),
      ).toBe(row.n);
    }
    const total = stored.reduce((a, r) => a + r.n, 0);
    const durations = families.get('vigil_check_duration_seconds')!;
    expect(durations.type).toBe('histogram');
    const counts = durations.samples.filter((s) => s.name.endsWith('_count') && s.labels.phase === 'total');
    expect(counts.reduce((a, s) => a + s.value, 0)).toBe(total);
    // A scrape counts only what is new.
    const again = parsePrometheus((await w.h.get('/metrics')).body);
    const sum = (f: Map<string, Family>) =>
      f.get('vigil_checks_total')!.samples.reduce((a, s) => a + s.value, 0);
    expect(sum(again)).toBe(total);
  });

  it('runners, incidents, outbox, certificates, scheduler lateness and process metrics', () => {
    for (const region of ['r1', 'r2', 'r3']) {
      expect(value(families, 'vigil_runner_up', { region, runner: `${region}-runner` })).toBe(1);
    }
    expect(value(families, 'vigil_incidents_open', { kind: 'down' })).toBe(1);
    expect(value(families, 'vigil_incidents_open', { kind: 'flapping' })).toBe(0);
    expect(value(families, 'vigil_outbox_depth', {})).toBeGreaterThanOrEqual(0);
    expect(value(families, 'vigil_tls_cert_expiry_timestamp_seconds', { monitor: 'web', region: 'r1' })).toBe(
      Date.UTC(2026, 5, 1) / 1000,
    );
    const lateness = families.get('vigil_scheduler_lateness_seconds')!;
    expect(lateness.type).toBe('histogram');
    expect(value(families, 'vigil_scheduler_lateness_seconds_count', { kind: 'periodic' })).toBeGreaterThan(
      0,
    );
    expect(families.has('process_cpu_user_seconds_total')).toBe(true);
    expect(families.has('process_resident_memory_bytes')).toBe(true);
  });

  it('the parser is strict', () => {
    expect(() => parsePrometheus('x 1\n')).toThrow(/no declared family/);
    expect(() => parsePrometheus('# TYPE x gauge\nx{a="1} 1\n')).toThrow(/unterminated/);
    expect(() => parsePrometheus('# TYPE x gauge\nx 1\nx 2\n')).toThrow(/duplicate/);
    expect(() =>
      parsePrometheus('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'),
    ).toThrow(/cumulative/);
  });
});
