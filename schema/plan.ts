// The plan: what syncing a desired set of monitors onto the current set would do. Pure: no clock,
// no I/O; the same inputs give the same changes and the same plan id. Used by the collector (the
// authority) and by anything that wants to explain a plan.
//
// Identity rules (README "Identity and renames"): same id and same hash = unchanged; url or method changed = replace
// (a new history); `renamed_from: old` with `old` current and no longer declared = rename (history
// kept); current and not declared = delete when pruning.
import { createHash } from 'node:crypto';
import { toDocument } from './normalize.ts';
import type { FieldDiff, PlanAction, PlanChange, PlanCounts } from './plan-types.ts';
import { secretNamesIn } from './secrets.ts';
import type { MonitorSpec } from './types.ts';

/** One monitor as the plan sees it. */
export interface PlanEntry {
  spec: MonitorSpec;
  /** Changes whenever the spec or the value of a secret it references changes. */
  hash: string;
  /** A fingerprint of each referenced secret's value, by name (never the value). */
  secretHashes: Record<string, string>;
}

/** A change with the entries it came from, so the caller can carry it out. */
export interface PlannedChange extends PlanChange {
  /** The current monitor (update, replace, rename, delete, unchanged). */
  before?: PlanEntry;
  /** The desired monitor (create, update, replace, rename, unchanged). */
  after?: PlanEntry;
}

export const ACTION_ORDER: readonly PlanAction[] = [
  'delete',
  'replace',
  'rename',
  'update',
  'create',
  'unchanged',
];

export interface DiffOptions {
  /** Delete current monitors that are not declared. */
  prune: boolean;
}

export function diffPlan(
  current: readonly PlanEntry[],
  desired: readonly PlanEntry[],
  options: DiffOptions,
): PlannedChange[] {
  const currentById = new Map(current.map((entry) => [entry.spec.id, entry]));
  const declared = new Set(desired.map((entry) => entry.spec.id));
  /** Current ids taken over by a rename: not deleted. */
  const renamedAway = new Set<string>();
  const changes: PlannedChange[] = [];

  for (const after of [...desired].sort(byId)) {
    const id = after.spec.id;
    const before = currentById.get(id);
    if (before !== undefined) {
      changes.push(compare(before, after, undefined));
      continue;
    }
    const from = after.spec.renamed_from;
    const old = from === null ? undefined : currentById.get(from);
    if (from !== null && old !== undefined && !declared.has(from) && !renamedAway.has(from)) {
      renamedAway.add(from);
      changes.push(compare(old, after, from));
      continue;
    }
    changes.push({ action: 'create', id, name: after.spec.name, diff: [], after });
  }
  if (options.prune) {
    for (const before of current) {
      const id = before.spec.id;
      if (!declared.has(id) && !renamedAway.has(id)) {
        changes.push({ action: 'delete', id, name: before.spec.name, diff: [], before });
      }
    }
  }
  return sortChanges(changes);
}

/** The change from `before` to `after`; `from` is set when `after` renames `before`. */
function compare(before: PlanEntry, after: PlanEntry, from: string | undefined): PlannedChange {
  const id = after.spec.id;
  const name = after.spec.name;
  const identityChanged = before.spec.url !== after.spec.url || before.spec.method !== after.spec.method;
  if (identityChanged && from === undefined) {
    return { action: 'replace', id, name, diff: fieldDiff(before, after), before, after };
  }
  if (from !== undefined) {
    // A rename (that may also replace): its diff leaves out the id it renames.
    const action = identityChanged ? 'replace' : 'rename';
    return { action, id, name, from, diff: fieldDiff(before, after, RENAME_IGNORED), before, after };
  }
  if (before.hash === after.hash) return { action: 'unchanged', id, name, diff: [], before, after };
  return { action: 'update', id, name, diff: fieldDiff(before, after), before, after };
}

function byId(a: PlanEntry, b: PlanEntry): number {
  return compareText(a.spec.id, b.spec.id);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortChanges<T extends PlanChange>(changes: T[]): T[] {
  const rank = new Map(ACTION_ORDER.map((action, index) => [action, index]));
  return changes.sort((a, b) => rank.get(a.action)! - rank.get(b.action)! || compareText(a.id, b.id));
}

export function countChanges(changes: readonly PlanChange[]): PlanCounts {
  const counts: PlanCounts = { create: 0, update: 0, replace: 0, rename: 0, delete: 0, unchanged: 0 };
  for (const change of changes) counts[change.action]++;
  return counts;
}

/** True when applying would change something. */
export function hasChanges(counts: PlanCounts): boolean {
  return counts.create + counts.update + counts.replace + counts.rename + counts.delete > 0;
}

/** A change without the entries it came from: what the API answers. */
export function publicChange(change: PlannedChange): PlanChange {
  return {
    action: change.action,
    id: change.id,
    name: change.name,
    ...(change.from === undefined ? {} : { from: change.from }),
    diff: change.diff,
  };
}

/**
 * Hash of (current state, desired state, prune): two plans with the same id were made from the
 * same state towards the same target, so applying one is applying the other. The git revision is
 * left out on purpose: a PR's head and its merge commit declare the same monitors.
 */
export function planId(
  current: readonly PlanEntry[],
  desired: readonly PlanEntry[],
  options: DiffOptions,
): string {
  const side = (entries: readonly PlanEntry[]) =>
    entries
      .map((entry) => `${entry.spec.id}:${entry.hash}`)
      .sort(compareText)
      .join('\n');
  return createHash('sha256')
    .update(`vigil-plan-v1\nprune:${options.prune}\ncurrent\n${side(current)}\ndesired\n${side(desired)}`)
    .digest('hex')
    .slice(0, 32);
}

/** Keys never diffed: the id is the change's own. */
const NOT_DIFFED: readonly string[] = ['id'];
/** A rename already says `from`; `renamed_from` going from null to it adds nothing. */
const RENAME_IGNORED: readonly string[] = ['id', 'renamed_from'];

/**
 * Field-level differences between two monitors, in the language's own form (durations as
 * written, e.g. `1m`). Secret references show as `${NAME}`; a field whose text is unchanged but
 * whose referenced secret value changed is listed with `secretChanged`.
 */
export function fieldDiff(
  before: PlanEntry,
  after: PlanEntry,
  ignored: readonly string[] = NOT_DIFFED,
): FieldDiff[] {
  const a = toDocument(before.spec) as unknown as Record<string, unknown>;
  const b = toDocument(after.spec) as unknown as Record<string, unknown>;
  const diffs: FieldDiff[] = [];
  const changedSecrets = new Set(
    Object.keys(after.secretHashes).filter(
      (name) =>
        before.secretHashes[name] !== undefined && before.secretHashes[name] !== after.secretHashes[name],
    ),
  );
  const keys = unionKeys(a, b).filter((key) => !ignored.includes(key));
  for (const key of keys) walk(key, a[key], b[key], diffs, changedSecrets);
  return diffs;
}

function walk(
  path: string,
  before: unknown,
  after: unknown,
  out: FieldDiff[],
  changedSecrets: Set<string>,
): void {
  if (isRecord(before) && isRecord(after)) {
    for (const key of unionKeys(before, after))
      walk(joinKey(path, key), before[key], after[key], out, changedSecrets);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    for (const [index, item] of before.entries())
      walk(`${path}[${index}]`, item, after[index], out, changedSecrets);
    return;
  }
  if (!sameValue(before, after)) {
    out.push({ path, before: before ?? null, after: after ?? null });
    return;
  }
  if (changedSecrets.size > 0 && typeof after === 'string') {
    if (secretNamesIn(after).some((name) => changedSecrets.has(name))) {
      out.push({ path, before, after, secretChanged: true });
    }
  }
}

function joinKey(path: string, key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = Object.keys(a);
  for (const key of Object.keys(b)) if (!(key in a)) keys.push(key);
  return keys;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
