// The monitor language: load, validate, normalize, hash, secrets. What the action, the CLI and
// the collector import.
export { OPERATORS_BY_SOURCE, valueKinds } from './assertion-semantics.ts';
export { DIAGNOSTIC_CODES, type DiagnosticCode } from './codes.ts';
export { countErrors, formatPath, sortDiagnostics } from './diagnostics.ts';
export { formatDuration, parseDuration } from './duration.ts';
export { canonicalJson, specHash } from './hash.ts';
export {
  BODY_METHODS,
  DEFAULT_BODY_CONTENT_TYPE,
  DEFAULT_REQUEST_HEADERS,
  DURATION_RANGES,
  FORBIDDEN_HEADERS,
  MAX_FILE_BYTES,
} from './limits.ts';
export { type LoadOptions, type LoadResult, loadMonitorFiles } from './load.ts';
export { BUILTIN_DEFAULTS, normalize, normalizeMonitor, serializeMonitors, toDocument } from './normalize.ts';
export { isJsonMediaType } from './rules/request.ts';
export { collectSecrets, fillSecrets, redactSecrets, SECRET_REF, secretRefs } from './secrets.ts';
export * from './types.ts';
export { validateMonitorList } from './validate.ts';
