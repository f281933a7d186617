// The probe engine's public surface: one check in, one CheckResult out.
export { DEFAULT_MAX_BODY_BYTES, LOG_BODY_BYTES, probe } from './probe.ts';
export { dnsServerResolver, type HostResolver, type ResolvedAddress, systemResolver } from './resolve.ts';
export { type ProbeOptions, type ProbeSpec, probeSpecFor } from './spec.ts';
export {
  type BlockedTarget,
  TargetGuard,
  TargetGuardConfigError,
  type TargetGuardOptions,
  targetGuardFromEnv,
} from './target-guard.ts';
export {
  createProbeTlsContext,
  defaultProbeTlsContext,
  ProbeTlsConfigError,
  type ProbeTlsContext,
  type ProbeTlsContextOptions,
} from './tls-context.ts';
export * from './types.ts';
