// Limits of the language that JSON Schema cannot state (duration ranges, case-insensitive header
// names) and limits of the loader. The schema's descriptions state the same numbers for people and
// editors; test/schema/schema.test.ts checks that they agree.

/** Files larger than this are refused before parsing. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** More alias nodes than this in one file is refused (alias bombs); anchors are rarely needed. */
export const MAX_ALIASES = 20;

/**
 * How many values aliases may add when expanded. A few aliases that each point at a large list
 * (or at other aliases) would otherwise grow a 1 MiB file into gigabytes.
 */
export const MAX_ALIAS_ADDED_VALUES = 100_000;

export interface DurationRange {
  /** Field path inside a monitor, as in diagnostics. */
  field: string;
  min: number;
  max: number;
  /** True when 0 is allowed besides min..max (e.g. "0 = never"). */
  zeroAllowed: boolean;
}

const S = 1_000;
const M = 60 * S;
const H = 60 * M;

/** Ranges of every duration field; `*` stands for a list index. */
export const DURATION_RANGES: readonly DurationRange[] = [
  { field: 'interval', min: 30 * S, max: 24 * H, zeroAllowed: false },
  { field: 'timeout', min: 1 * S, max: 60 * S, zeroAllowed: false },
  { field: 'alert.after', min: 0, max: 60 * M, zeroAllowed: true },
  { field: 'alert.remind_every', min: 5 * M, max: 168 * H, zeroAllowed: true },
  { field: 'alert.recovery_after', min: 0, max: 60 * M, zeroAllowed: true },
  { field: 'maintenance.*.duration', min: 1 * M, max: 168 * H, zeroAllowed: false },
];

/**
 * Request headers a monitor may not set (compared case-insensitively): the probe owns them, or
 * they would defeat a fresh, uncached request.
 */
export const FORBIDDEN_HEADERS: readonly string[] = [
  'Accept-Encoding',
  'Cache-Control',
  'Connection',
  'Content-Length',
  'Host',
  'Keep-Alive',
  'Pragma',
  'Proxy-Connection',
  'Referer',
  'TE',
  'Transfer-Encoding',
  'Upgrade',
  'User-Agent',
];

/** Headers every probe sends unless the monitor sets them (User-Agent carries the version). */
export const DEFAULT_REQUEST_HEADERS: Readonly<Record<string, string>> = {
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Cache-Control': 'no-cache',
  Pragma: 'no-cache',
};

/** Content-Type sent with a body when the monitor does not set one. */
export const DEFAULT_BODY_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** Methods that may carry a body. */
export const BODY_METHODS: readonly string[] = ['POST', 'PUT', 'PATCH'];
