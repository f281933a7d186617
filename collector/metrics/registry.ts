// The Prometheus registry of one app instance (never prom-client's global one: two apps in one
// process, as in tests, must not share counters).
//
//   vigil_monitor_info{monitor,name}                        always 1: the display name, to join on `monitor`
//   vigil_monitor_up{monitor}                               1 up (or unstable), 0 down/recovering; none while paused/pending
//   vigil_monitor_state{monitor,state}                      1 for the current state, 0 for the others
//   vigil_monitor_uptime_ratio{monitor,window}              time-based uptime (0..1)
//   vigil_check_duration_seconds{phase,region}              histogram of phase durations of stored checks
//   vigil_checks_total{result,reason,region}                stored checks since start
//   vigil_tls_cert_expiry_timestamp_seconds{monitor,region} certificate notAfter as last seen
//   vigil_runner_up{region,runner}                          1 online, 0 offline
//   vigil_scheduler_lateness_seconds{kind}                  claim time - due time (the engine's histogram)
//   vigil_incidents_open{kind}                              open incidents
//   vigil_outbox_depth                                      incident deliveries not done yet
//   vigil_check_rows_dropped_total{reason}                  rows the write buffer dropped: buffer_full
//                                                           (storage failing), shutdown (no spill
//                                                           possible), spill_unreadable, unwritable
//   vigil_fenced_writes_total                               state, incident event and missed rows a
//                                                           flush left out: another collector holds
//                                                           their monitors' shard lease now
//   vigil_write_buffer_rows                                 rows waiting for the next flush
//   vigil_flush_consecutive_failures                        failed flushes in a row (0 = writing)
//   vigil_cluster_shards_held                               shards this collector schedules (of 64)
//   vigil_cluster_members                                   live collectors sharing the store
//   vigil_cluster_lease_renew_lag_seconds                   time since the last successful lease round
//   process_* / nodejs_*                                    prom-client's default metrics, less the
//                                                           three gauges named like counters
import { Counter, collectDefaultMetrics, Histogram, type Metric, Registry } from 'prom-client';
import type { StatusContext } from '../status/context.ts';
import { STATE_NAMES } from '../verdict/types.ts';
import { CheckTail } from './check-tail.ts';

/** The part of the engine runtime /metrics reads (collector/engine/runtime.ts), when present. */
export interface MetricsRuntime {
  engine?: {
    stats(): {
      lateness: Record<string, { count: number; sum: number; buckets: Array<[number, number]> }>;
      flush?: {
        pending: number;
        consecutiveFailures: number;
        dropped: Record<string, number>;
        fenced?: number;
      };
    };
  };
  registry?: { list(): Array<{ region: string; name: string; online: boolean }> };
  cluster?: { stats(): { shardsHeld: number; members: number; renewLagSeconds: number | null } };
}

type Value = { labels: Record<string, string | number>; value: number; metricName?: string };

/** A metric whose values are computed at scrape time (no label hashing per series). */
function computed(
  name: string,
  help: string,
  type: 'counter' | 'gauge' | 'histogram',
  values: () => Promise<Value[]>,
): Metric<string> {
  return {
    name,
    help,
    type,
    get: async () => ({ name, help, type, aggregator: 'omit', values: await values() }),
  } as unknown as Metric<string>;
}

export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
export const LATENESS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function up(state: string): number | null {
  if (state === 'paused' || state === 'pending') return null;
  return state === 'down' || state === 'recovering' ? 0 : 1;
}

const NAMED_LIKE_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export interface VigilMetrics {
  registry: Registry;
  tail: CheckTail;
}

export function createMetrics(status: StatusContext, runtime: MetricsRuntime | undefined): VigilMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client's totals of active handles, requests and resources are gauges named like counters,
  // which `promtool check metrics` refuses; the same counts stay, by type, in the series without
  // the suffix (nodejs_active_handles{type} ...).
  for (const name of NAMED_LIKE_COUNTERS) registry.removeSingleMetric(name);
  const snapshot = () => status.service.snapshot();

  const checks = new Counter({
    name: 'vigil_checks_total',
    help: 'Check results stored since the collector started, by result, failure reason and region.',
    labelNames: ['result', 'reason', 'region'] as const,
    registers: [registry],
    collect: () => tail.update(),
  });
  const durations = new Histogram({
    name: 'vigil_check_duration_seconds',
    help: 'Duration of check phases (resolve, connect, tls, processing, transfer, total) by region.',
    labelNames: ['phase', 'region'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
    collect: () => tail.update(),
  });
  const tail = new CheckTail(status.service.store, checks, durations);

  registry.registerMetric(
    computed(
      'vigil_monitor_info',
      "Always 1: the monitor's display name, to join on `monitor` (every other per-monitor series has only `monitor`).",
      'gauge',
      async () =>
        (await snapshot()).model.monitors.map((m) => ({ labels: { monitor: m.id, name: m.name }, value: 1 })),
    ),
  );
  registry.registerMetric(
    computed('vigil_monitor_up', 'Whether the monitor is up (1) or down (0).', 'gauge', async () =>
      (await snapshot()).model.monitors.flatMap((m) => {
        const value = up(m.state);
        return value === null ? [] : [{ labels: { monitor: m.id }, value }];
      }),
    ),
  );
  registry.registerMetric(
    computed(
      'vigil_monitor_state',
      'The verdict state of the monitor (1 for the current state).',
      'gauge',
      async () =>
        (await snapshot()).model.monitors.flatMap((m) =>
          STATE_NAMES.map((state) => ({
            labels: { monitor: m.id, state },
            value: m.state === state ? 1 : 0,
          })),
        ),
    ),
  );
  registry.registerMetric(
    computed('vigil_monitor_uptime_ratio', 'Time-based uptime over the window (0..1).', 'gauge', async () =>
      (await snapshot()).model.monitors.flatMap((m) =>
        Object.entries(m.uptime).flatMap(([window, pct]) =>
          pct === null ? [] : [{ labels: { monitor: m.id, window }, value: pct / 100 }],
        ),
      ),
    ),
  );
  registry.registerMetric(
    computed(
      'vigil_tls_cert_expiry_timestamp_seconds',
      'When the certificate last seen by a region expires (Unix seconds).',
      'gauge',
      async () => {
        const [current, expiries] = await Promise.all([snapshot(), status.service.store.tlsExpiry()]);
        return expiries.flatMap((t) => {
          const monitor = current.byHistory.get(t.historyId);
          return monitor === undefined
            ? []
            : [{ labels: { monitor: monitor.status.id, region: t.region }, value: t.expiresAt / 1000 }];
        });
      },
    ),
  );
  registry.registerMetric(
    computed(
      'vigil_runner_up',
      'Whether a registered runner is online (1) or not (0).',
      'gauge',
      async () => {
        const live = runtime?.registry?.list();
        if (live !== undefined) {
          return live.map((r) => ({ labels: { region: r.region, runner: r.name }, value: r.online ? 1 : 0 }));
        }
        return (await snapshot()).model.runners.map((r) => ({
          labels: { region: r.region, runner: r.name },
          value: r.online ? 1 : 0,
        }));
      },
    ),
  );
  registry.registerMetric(
    computed('vigil_incidents_open', 'Open incidents by kind.', 'gauge', async () => {
      const counts = new Map<string, number>([
        ['down', 0],
        ['flapping', 0],
        ['region', 0],
      ]);
      for (const i of (await snapshot()).incidents) {
        if (i.resolvedAt === null) counts.set(i.kind, (counts.get(i.kind) ?? 0) + 1);
      }
      return [...counts].map(([kind, value]) => ({ labels: { kind }, value }));
    }),
  );
  registry.registerMetric(
    computed(
      'vigil_outbox_depth',
      'Incident deliveries (issues, comments, webhooks) not done yet.',
      'gauge',
      async () => {
        const depth = (await snapshot()).outboxDepth;
        return depth === null ? [] : [{ labels: {}, value: depth }];
      },
    ),
  );
  const flush = () => runtime?.engine?.stats().flush;
  registry.registerMetric(
    computed(
      'vigil_check_rows_dropped_total',
      'Check rows (and missed-job rows) the write buffer dropped, by reason: buffer_full (storage failing), shutdown (no spill possible), spill_unreadable, unwritable (a value the store cannot hold).',
      'counter',
      async () =>
        Object.entries(flush()?.dropped ?? {}).map(([reason, value]) => ({ labels: { reason }, value })),
    ),
  );
  registry.registerMetric(
    computed(
      'vigil_fenced_writes_total',
      'Verdict state, incident event and missed-job rows a flush left out because another collector holds the lease of their monitor now (checks are stored).',
      'counter',
      async () => {
        const fenced = flush()?.fenced;
        return fenced === undefined ? [] : [{ labels: {}, value: fenced }];
      },
    ),
  );
  registry.registerMetric(
    computed(
      'vigil_write_buffer_rows',
      'Rows waiting in the write buffer for the next flush.',
      'gauge',
      async () => {
        const f = flush();
        return f === undefined ? [] : [{ labels: {}, value: f.pending }];
      },
    ),
  );
  registry.registerMetric(
    computed(
      'vigil_flush_consecutive_failures',
      'Failed store flushes in a row (0 while writes succeed).',
      'gauge',
      async () => {
        const f = flush();
        return f === undefined ? [] : [{ labels: {}, value: f.consecutiveFailures }];
      },
    ),
  );
  const cluster = () => runtime?.cluster?.stats();
  const clusterGauge = (
    name: string,
    help: string,
    value: (c: NonNullable<ReturnType<typeof cluster>>) => number | null,
  ) =>
    registry.registerMetric(
      computed(name, help, 'gauge', async () => {
        const c = cluster();
        const v = c === undefined ? null : value(c);
        return v === null ? [] : [{ labels: {}, value: v }];
      }),
    );
  clusterGauge(
    'vigil_cluster_shards_held',
    'Shards (of 64) whose monitors this collector schedules now.',
    (c) => c.shardsHeld,
  );
  clusterGauge(
    'vigil_cluster_members',
    'Live collectors sharing the store (this one included).',
    (c) => c.members,
  );
  clusterGauge(
    'vigil_cluster_lease_renew_lag_seconds',
    'Seconds since this collector last renewed its shard leases (renewed every 5 s; while the store does not answer it grows and the shards held stay scheduled).',
    (c) => c.renewLagSeconds,
  );
  registry.registerMetric(
    computed(
      'vigil_scheduler_lateness_seconds',
      'How late jobs were claimed after they were due (periodic rounds, and verification/recovery checks).',
      'histogram',
      async () => {
        const lateness = runtime?.engine?.stats().lateness;
        if (lateness === undefined) return [];
        const out: Value[] = [];
        for (const [key, h] of Object.entries(lateness)) {
          const kind = key === 'oneShot' ? 'one_shot' : key;
          let cumulative = 0;
          let i = 0;
          const sorted = [...h.buckets].sort((a, b) => a[0] - b[0]);
          for (const le of LATENESS_BUCKETS) {
            while (i < sorted.length && sorted[i]![0] <= le * 1000) cumulative += sorted[i++]![1];
            out.push({
              metricName: 'vigil_scheduler_lateness_seconds_bucket',
              labels: { le, kind },
              value: cumulative,
            });
          }
          out.push({
            metricName: 'vigil_scheduler_lateness_seconds_bucket',
            labels: { le: '+Inf', kind },
            value: h.count,
          });
          out.push({
            metricName: 'vigil_scheduler_lateness_seconds_sum',
            labels: { kind },
            value: h.sum / 1000,
          });
          out.push({
            metricName: 'vigil_scheduler_lateness_seconds_count',
            labels: { kind },
            value: h.count,
          });
        }
        return out;
      },
    ),
  );
  return { registry, tail };
}
