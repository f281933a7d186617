// From a validated monitor as written to the normalized MonitorSpec (file defaults, then the
// schema's defaults; durations in ms), and back: toDocument gives the language form with every
// key explicit, which is the sync wire format and validates and normalizes to an equal spec.
import { stringify } from 'yaml';
import { formatDuration, parseDuration } from './duration.ts';
import { memoize } from './memo.ts';
import { applyFileDefaults, isRecord } from './merge.ts';
import { type JsonSchema, schemaAt, schemaDef } from './schema-check.ts';
import type {
  AlertConfig,
  Assertion,
  AssertionValue,
  FlappingConfig,
  MaintenanceWindow,
  MonitorSpec,
} from './types.ts';

/** The `default` the schema gives the monitor field at `path` (the single source of defaults). */
function schemaDefault<T>(path: string): T {
  const segments = path.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const schema: JsonSchema | undefined = schemaAt(schemaDef('monitor'), segments);
  if (schema === undefined || !('default' in schema)) {
    throw new Error(`monitors.schema.json gives no default for ${path}`);
  }
  return structuredClone(schema.default) as T;
}

/** Vigil's built-in defaults, read from monitors.schema.json, durations in ms. */
export const BUILTIN_DEFAULTS = {
  method: schemaDefault<MonitorSpec['method']>('method'),
  interval: durationMs(schemaDefault<string>('interval')),
  timeout: durationMs(schemaDefault<string>('timeout')),
  follow_redirects: schemaDefault<number>('follow_redirects'),
  tls: {
    verify: schemaDefault<boolean>('tls.verify'),
    expiry_warning_days: schemaDefault<number>('tls.expiry_warning_days'),
  },
  http: { version: schemaDefault<MonitorSpec['http']['version']>('http.version') },
  ip: schemaDefault<MonitorSpec['ip']>('ip'),
  confirm: { regions: schemaDefault<number>('confirm.regions') },
  recover: { checks: schemaDefault<number>('recover.checks') },
  flapping: {
    window: schemaDefault<number>('flapping.window'),
    low: schemaDefault<number>('flapping.low'),
    high: schemaDefault<number>('flapping.high'),
  },
  alert: {
    after: durationMs(schemaDefault<string>('alert.after')),
    remind_every: durationMs(schemaDefault<string>('alert.remind_every')),
    recovery_after: durationMs(schemaDefault<string>('alert.recovery_after')),
  },
  paused: schemaDefault<boolean>('paused'),
  maintenanceTimezone: schemaDefault<string>('maintenance.0.timezone'),
} as const;

/** ms of a duration value as the language allows it (`30s`, or the number 0). */
export function durationMs(value: unknown): number {
  if (value === 0) return 0;
  const ms = typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null) throw new TypeError(`not a duration: ${JSON.stringify(value)}`);
  return ms;
}

/**
 * The normalized spec of a monitor that passed validation, with the file's `defaults:` (if any)
 * applied first. Throws on data that did not pass validation.
 */
export function normalizeMonitor(monitor: Record<string, unknown>, fileDefaults?: unknown): MonitorSpec {
  const m = applyFileDefaults(monitor, fileDefaults);
  const tls = record(m.tls);
  const http = record(m.http);
  const confirm = record(m.confirm);
  const recover = record(m.recover);
  const alert = record(m.alert);
  const id = m.id as string;
  return {
    id,
    name: (m.name as string | undefined) ?? id,
    url: m.url as string,
    method: (m.method as MonitorSpec['method'] | undefined) ?? BUILTIN_DEFAULTS.method,
    headers: { ...(record(m.headers) as Record<string, string>) },
    body: (m.body as string | null | undefined) ?? null,
    keywords: keywordList(m.keywords),
    forbidden_keywords: keywordList(m.forbidden_keywords),
    assertions: ((m.assertions as unknown[] | undefined) ?? []).map((a) => normalizeAssertion(record(a))),
    interval: m.interval === undefined ? BUILTIN_DEFAULTS.interval : durationMs(m.interval),
    timeout: m.timeout === undefined ? BUILTIN_DEFAULTS.timeout : durationMs(m.timeout),
    follow_redirects: (m.follow_redirects as number | undefined) ?? BUILTIN_DEFAULTS.follow_redirects,
    tls: {
      verify: (tls.verify as boolean | undefined) ?? BUILTIN_DEFAULTS.tls.verify,
      expiry_warning_days:
        (tls.expiry_warning_days as number | undefined) ?? BUILTIN_DEFAULTS.tls.expiry_warning_days,
    },
    http: {
      version:
        http.version === undefined
          ? BUILTIN_DEFAULTS.http.version
          : (String(http.version) as MonitorSpec['http']['version']),
    },
    ip: (m.ip as MonitorSpec['ip'] | undefined) ?? BUILTIN_DEFAULTS.ip,
    regions: Array.isArray(m.regions) ? [...(m.regions as string[])] : null,
    confirm: { regions: (confirm.regions as number | undefined) ?? BUILTIN_DEFAULTS.confirm.regions },
    recover: { checks: (recover.checks as number | undefined) ?? BUILTIN_DEFAULTS.recover.checks },
    flapping: normalizeFlapping(m.flapping),
    alert: normalizeAlert(alert),
    paused: (m.paused as boolean | undefined) ?? BUILTIN_DEFAULTS.paused,
    maintenance: ((m.maintenance as unknown[] | undefined) ?? []).map((w) => normalizeWindow(record(w))),
    renamed_from: (m.renamed_from as string | null | undefined) ?? null,
  };
}

/** The same as normalizeMonitor (the name the module's contract uses). */
export const normalize = normalizeMonitor;

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** Empty and whitespace-only keywords are ignored (the loader warns about them). */
function keywordList(value: unknown): string[] {
  return ((value as string[] | undefined) ?? []).filter((keyword) => keyword.trim() !== '');
}

function normalizeAssertion(a: Record<string, unknown>): Assertion {
  // Key order fixed (source, name, path, operator, value) so documents read the same everywhere.
  return {
    source: a.source as Assertion['source'],
    ...(typeof a.name === 'string' ? { name: a.name } : {}),
    ...(typeof a.path === 'string' ? { path: a.path } : {}),
    operator: a.operator as Assertion['operator'],
    ...(a.value !== undefined ? { value: structuredClone(a.value) as AssertionValue } : {}),
  };
}

function normalizeFlapping(value: unknown): FlappingConfig | false {
  if (value === false) return false;
  const f = record(value);
  return {
    window: (f.window as number | undefined) ?? BUILTIN_DEFAULTS.flapping.window,
    low: (f.low as number | undefined) ?? BUILTIN_DEFAULTS.flapping.low,
    high: (f.high as number | undefined) ?? BUILTIN_DEFAULTS.flapping.high,
  };
}

function normalizeAlert(a: Record<string, unknown>): AlertConfig {
  return {
    after: a.after === undefined ? BUILTIN_DEFAULTS.alert.after : durationMs(a.after),
    remind_every:
      a.remind_every === undefined ? BUILTIN_DEFAULTS.alert.remind_every : durationMs(a.remind_every),
    recovery_after:
      a.recovery_after === undefined ? BUILTIN_DEFAULTS.alert.recovery_after : durationMs(a.recovery_after),
    assignees: [...((a.assignees as string[] | undefined) ?? [])],
    labels: [...((a.labels as string[] | undefined) ?? [])],
    // Stored without the `@`, which YAML users must quote and the language makes optional.
    mentions: ((a.mentions as string[] | undefined) ?? []).map((mention) => mention.replace(/^@/, '')),
    sinks: Array.isArray(a.sinks) ? [...(a.sinks as string[])] : null,
  };
}

function normalizeWindow(w: Record<string, unknown>): MaintenanceWindow {
  if (typeof w.cron === 'string') {
    return {
      cron: w.cron.trim().split(/\s+/).join(' '),
      duration: durationMs(w.duration),
      timezone: canonicalTimeZone((w.timezone as string | undefined) ?? BUILTIN_DEFAULTS.maintenanceTimezone),
    };
  }
  return { start: canonicalInstant(w.start as string), end: canonicalInstant(w.end as string) };
}

/** `2025-06-01T04:00:00+02:00` → `2025-06-01T02:00:00.000Z`: one spelling per instant. */
export function canonicalInstant(text: string): string {
  return new Date(text).toISOString();
}

/** `europe/berlin` → `Europe/Berlin` (IANA names are matched case-insensitively). */
export const canonicalTimeZone = memoize(
  (name: string): string => new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone,
);

/** The language form of a spec: every key explicit, durations as canonical strings. */
export function toDocument(spec: MonitorSpec): Record<string, unknown> {
  return {
    id: spec.id,
    name: spec.name,
    url: spec.url,
    method: spec.method,
    headers: { ...spec.headers },
    body: spec.body,
    keywords: [...spec.keywords],
    forbidden_keywords: [...spec.forbidden_keywords],
    assertions: spec.assertions.map((a) => structuredClone(a)),
    interval: formatDuration(spec.interval),
    timeout: formatDuration(spec.timeout),
    follow_redirects: spec.follow_redirects,
    tls: { verify: spec.tls.verify, expiry_warning_days: spec.tls.expiry_warning_days },
    http: { version: spec.http.version },
    ip: spec.ip,
    regions: spec.regions === null ? null : [...spec.regions],
    confirm: { regions: spec.confirm.regions },
    recover: { checks: spec.recover.checks },
    flapping: spec.flapping === false ? false : { ...spec.flapping },
    alert: {
      after: formatDuration(spec.alert.after),
      remind_every: formatDuration(spec.alert.remind_every),
      recovery_after: formatDuration(spec.alert.recovery_after),
      assignees: [...spec.alert.assignees],
      labels: [...spec.alert.labels],
      mentions: [...spec.alert.mentions],
      sinks: spec.alert.sinks === null ? null : [...spec.alert.sinks],
    },
    paused: spec.paused,
    maintenance: spec.maintenance.map((w) =>
      'cron' in w
        ? { cron: w.cron, duration: formatDuration(w.duration), timezone: w.timezone }
        : { start: w.start, end: w.end },
    ),
    renamed_from: spec.renamed_from,
  };
}

/** A monitor file (`monitors: [...]`) holding these specs in the language form. */
export function serializeMonitors(specs: readonly MonitorSpec[]): string {
  return stringify(
    { monitors: specs.map(toDocument) },
    // No anchors for repeated objects, no folding of long lines: plain, diff-friendly YAML.
    { aliasDuplicateObjects: false, lineWidth: 0 },
  );
}
