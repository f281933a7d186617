// Test data for the collector: complete MonitorSpecs (as the loader would produce) and
// monitors in the language's own form (as a sync request carries them).
import type { MonitorSpec } from '../../schema/types.ts';

export function makeSpec(id: string, overrides: Partial<MonitorSpec> = {}): MonitorSpec {
  return {
    id,
    name: id,
    url: `https://${id}.example.invalid/health`,
    method: 'GET',
    headers: {},
    body: null,
    keywords: [],
    forbidden_keywords: [],
    assertions: [],
    interval: 60_000,
    timeout: 15_000,
    follow_redirects: 5,
    tls: { verify: true, expiry_warning_days: 14 },
    http: { version: 'auto' },
    ip: 'auto',
    regions: null,
    confirm: { regions: 3 },
    recover: { checks: 3 },
    flapping: { window: 21, low: 25, high: 50 },
    alert: {
      after: 180_000,
      remind_every: 1_800_000,
      recovery_after: 0,
      assignees: [],
      labels: [],
      mentions: [],
      sinks: null,
    },
    paused: false,
    maintenance: [],
    renamed_from: null,
    ...overrides,
  };
}

/** A monitor as written in YAML (defaults left to the language). */
export function doc(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, url: `https://${id}.example.invalid/health`, ...extra };
}

/**
 * What sync stored for each monitor in a `GET /v1/monitors` answer, without the engine's live
 * status: a round that falls due while a test runs changes `state` and the status fields, never
 * the declaration.
 */
export function declaredMonitors(body: unknown): Record<string, unknown>[] {
  const { monitors } = body as { monitors: Record<string, unknown>[] };
  return monitors.map(({ id, name, spec, revision, gitRevision, createdAt, updatedAt }) => ({
    ...{ id, name, spec, revision, gitRevision, createdAt, updatedAt },
  }));
}
