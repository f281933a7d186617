// The sync contract between `vigil plan/apply`, the GitHub Action and the collector.
//
// POST /v1/sync, `Authorization: Bearer <admin token>`, body `SyncRequest`, answer `SyncPlan`
// (200) or `ApiError` (400 VIGIL_ERR_INVALID_MONITORS with diagnostics, 401 VIGIL_ERR_UNAUTHORIZED,
// 409 VIGIL_ERR_STALE_PLAN, 413 VIGIL_ERR_BODY_TOO_LARGE, ...).
import type { Diagnostic } from './types.ts';

export interface SyncRequest {
  /** Git revision being applied (GITHUB_SHA), or null. */
  revision: string | null;
  /**
   * Monitors in the language's own form (what `toDocument(spec)` returns: every key explicit,
   * durations as strings). The collector validates them again with the same schema and rules.
   */
  monitors: unknown[];
  /** Values of every `${NAME}` the monitors reference. */
  secrets?: Record<string, string>;
  /** Delete monitors the request does not declare. Default true. */
  prune?: boolean;
  /** Answer the plan without changing anything. Default false. */
  dryRun?: boolean;
  /** Refuse with 409 VIGIL_ERR_STALE_PLAN unless the plan computed now has this id. */
  expectedPlanId?: string;
}

export type PlanAction = 'create' | 'update' | 'replace' | 'rename' | 'delete' | 'unchanged';

export interface FieldDiff {
  /** Path in the language's names, e.g. `alert.after`, `headers.Authorization`. */
  path: string;
  before: unknown;
  after: unknown;
  /** The text is unchanged but a referenced secret's value changed (shown as "changed"). */
  secretChanged?: boolean;
}

export interface PlanChange {
  action: PlanAction;
  id: string;
  name: string;
  /** Old id, for `rename`. */
  from?: string;
  /** Field-level diff for update, replace and rename; empty otherwise. */
  diff: FieldDiff[];
}

export interface PlanCounts {
  create: number;
  update: number;
  replace: number;
  rename: number;
  delete: number;
  unchanged: number;
}

export interface SyncPlan {
  /** Hash of (current state, desired state): equal ids mean the same plan. */
  planId: string;
  revision: string | null;
  /** True when the plan was applied (dryRun false). */
  applied: boolean;
  /** Ordered: delete, replace, rename, update, create, unchanged; by id within each. */
  changes: PlanChange[];
  counts: PlanCounts;
}

export interface ApiError {
  code: string;
  message: string;
  statusCode: number;
  diagnostics?: Diagnostic[];
}
