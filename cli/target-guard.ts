// The probe's SSRF guard as `vigil check` and `vigil runner` take it: VIGIL_BLOCK_PRIVATE_TARGETS
// (or `--block-private-targets`) and VIGIL_ALLOW_TARGETS; a bad value is a usage error (exit 2).
import { type TargetGuard, TargetGuardConfigError, targetGuardFromEnv } from '../probe/target-guard.ts';
import { UsageError } from './usage.ts';

export function targetGuardOf(env: NodeJS.ProcessEnv, forceOn = false): TargetGuard | null {
  try {
    const fromEnv = targetGuardFromEnv(env);
    if (fromEnv !== null || !forceOn) return fromEnv;
    return targetGuardFromEnv({ ...env, VIGIL_BLOCK_PRIVATE_TARGETS: 'true' });
  } catch (error) {
    if (error instanceof TargetGuardConfigError) throw new UsageError(error.message);
    throw error;
  }
}

export type { TargetGuard };
