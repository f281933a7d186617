// The normalized monitor: what the loader produces, what sync sends, what the collector stores
// and what runners probe. Keys are the monitor language's own names (snake_case, as in YAML) so a
// plan diff path such as `alert.after` is the path a user wrote. Durations are milliseconds.
// Secret references `${NAME}` stay in `url`, `headers` and `body` as written; their values travel
// beside the spec (see `Secrets`) and never inside it.

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export const ASSERTION_SOURCES = [
  'status',
  'response_time',
  'header',
  'body',
  'json',
  'number',
  'tls_days_left',
] as const;
export type AssertionSource = (typeof ASSERTION_SOURCES)[number];

export const ASSERTION_OPERATORS = [
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'contains',
  'not_contains',
  'matches',
  'in',
  'exists',
] as const;
export type AssertionOperator = (typeof ASSERTION_OPERATORS)[number];

export type AssertionValue = string | number | boolean | null | Array<string | number>;

/** One assertion. `name` is the header name (source `header`), `path` the JSONPath (source `json`). */
export interface Assertion {
  source: AssertionSource;
  name?: string;
  path?: string;
  operator: AssertionOperator;
  /** Absent only for `exists`. */
  value?: AssertionValue;
}

export interface FixedMaintenanceWindow {
  /** ISO 8601 instants. */
  start: string;
  end: string;
}
export interface CronMaintenanceWindow {
  /** Five-field cron expression, evaluated in `timezone` (default UTC). */
  cron: string;
  /** Milliseconds. */
  duration: number;
  timezone: string;
}
export type MaintenanceWindow = FixedMaintenanceWindow | CronMaintenanceWindow;

export interface FlappingConfig {
  window: number;
  low: number;
  high: number;
}

export interface AlertConfig {
  /** ms a down incident must last before it is announced. */
  after: number;
  /** ms between reminders; 0 = never. */
  remind_every: number;
  /** ms of sustained recovery before the incident is closed. */
  recovery_after: number;
  assignees: string[];
  labels: string[];
  mentions: string[];
  /** Sink names; null = every configured sink. */
  sinks: string[] | null;
}

export interface MonitorSpec {
  id: string;
  name: string;
  url: string;
  method: HttpMethod;
  /** Header names as written. */
  headers: Record<string, string>;
  body: string | null;
  keywords: string[];
  forbidden_keywords: string[];
  /** The default assertion (status is 2xx) applies unless one of these asserts on `status`. */
  assertions: Assertion[];
  interval: number;
  timeout: number;
  follow_redirects: number;
  tls: { verify: boolean; expiry_warning_days: number };
  http: { version: 'auto' | '1.1' | '2' };
  ip: 'auto' | 4 | 6;
  /** null = every region. */
  regions: string[] | null;
  confirm: { regions: number };
  recover: { checks: number };
  flapping: FlappingConfig | false;
  alert: AlertConfig;
  paused: boolean;
  maintenance: MaintenanceWindow[];
  renamed_from: string | null;
}

/** Secret values by name, filled from the environment of the process that plans or applies. */
export type Secrets = Record<string, string>;

/** Where a monitor was declared (for messages); not part of the spec or its hash. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface Diagnostic {
  /** Path as given to the loader (relative when the input was relative). */
  file: string;
  /** 1-based. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Stable code, e.g. `unknown_key`, `duplicate_id`, `yaml_syntax`. */
  code: string;
  message: string;
  hint?: string;
  severity: 'error' | 'warning';
  /** Field path inside the file, e.g. `monitors[2].alert.after`, when known. */
  path?: string;
}
