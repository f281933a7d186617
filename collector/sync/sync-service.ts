// POST /v1/sync's work: validate the desired monitors again (the client is never trusted), fill
// their secrets, plan against the current state and, unless it is a dry run, carry the plan out
// in one transaction. The plan is computed inside the write lock for an apply, so two applies
// serialize and the second one plans against what the first one wrote.

import type { KeyObject } from 'node:crypto';
import {
  countChanges,
  diffPlan,
  type PlanEntry,
  type PlannedChange,
  planId,
  publicChange,
} from '../../schema/plan.ts';
import type { SyncPlan, SyncRequest } from '../../schema/plan-types.ts';
import { redactSecrets } from '../../schema/secrets.ts';
import type { Diagnostic, MonitorSpec, Secrets } from '../../schema/types.ts';
import { validateMonitorList } from '../../schema/validate.ts';
import { VigilError } from '../http/errors.ts';
import type { MonitorRecord, MonitorStore, MonitorWrites } from '../store/types.ts';
import { fingerprints } from './fingerprint.ts';
import { hashSpec, monitorSecrets } from './secrets.ts';

/** Label of the request's monitors in diagnostics (`file`). */
export const REQUEST_LABEL = 'request';

export interface SyncDeps {
  monitors: MonitorStore;
  fingerprintKey: KeyObject;
  now: () => number;
}

interface Desired extends PlanEntry {
  secrets: Secrets;
}

export async function sync(deps: SyncDeps, request: SyncRequest): Promise<SyncPlan> {
  try {
    return await syncChecked(deps, request);
  } catch (error) {
    // Diagnostics quote what was sent; a secret value pasted into a plain field must not echo back.
    if (error instanceof VigilError && error.diagnostics !== undefined && request.secrets !== undefined) {
      throw new VigilError(error.code, error.message, redactDiagnostics(error.diagnostics, request.secrets));
    }
    throw error;
  }
}

/** Values this short would garble every message (`p` in `private`) and protect nothing. */
const MIN_REDACTED_LENGTH = 4;

function redactDiagnostics(diagnostics: Diagnostic[], given: Secrets): Diagnostic[] {
  const secrets = Object.fromEntries(
    Object.entries(given).filter(([, value]) => value.length >= MIN_REDACTED_LENGTH),
  );
  return diagnostics.map((diagnostic) => {
    const redacted: Diagnostic = { ...diagnostic, message: redactSecrets(diagnostic.message, secrets) };
    if (diagnostic.hint !== undefined) redacted.hint = redactSecrets(diagnostic.hint, secrets);
    if (diagnostic.path !== undefined) redacted.path = redactSecrets(diagnostic.path, secrets);
    return redacted;
  });
}

async function syncChecked(deps: SyncDeps, request: SyncRequest): Promise<SyncPlan> {
  const desired = prepareDesired(deps.fingerprintKey, request);
  const prune = request.prune ?? true;
  const decide = (records: MonitorRecord[]) => {
    const current = records.map(toEntry);
    const id = planId(current, desired, { prune });
    if (request.expectedPlanId !== undefined && request.expectedPlanId !== id) {
      throw new VigilError(
        'VIGIL_ERR_STALE_PLAN',
        `the collector's state changed since plan ${request.expectedPlanId} was made (the plan now is ${id}); plan again`,
      );
    }
    const changes = diffPlan(current, desired, { prune });
    return { id, changes, records };
  };

  if (request.dryRun === true) {
    const { id, changes } = decide(await deps.monitors.list());
    return answer(id, request, changes, false);
  }
  return deps.monitors.sync((records) => {
    const { id, changes } = decide(records);
    const writes = toWrites(changes, records, desired, request.revision, deps.now());
    return { result: answer(id, request, changes, true), writes };
  });
}

function answer(id: string, request: SyncRequest, changes: PlannedChange[], applied: boolean): SyncPlan {
  return {
    planId: id,
    revision: request.revision,
    applied,
    changes: changes.map(publicChange),
    counts: countChanges(changes),
  };
}

function toEntry(record: MonitorRecord): PlanEntry {
  return { spec: record.spec, hash: record.specHash, secretHashes: record.secretHashes };
}

/** Validated, secret-filled desired monitors, or a 400 naming every problem. */
function prepareDesired(key: KeyObject, request: SyncRequest): Desired[] {
  const { specs, diagnostics } = validateMonitorList(request.monitors, REQUEST_LABEL);
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0) {
    throw new VigilError(
      'VIGIL_ERR_INVALID_MONITORS',
      `${errors.length} problem${errors.length === 1 ? '' : 's'} in the monitors sent; nothing was changed`,
      errors,
    );
  }
  const given = request.secrets ?? {};
  const allHashes = fingerprints(key, given);
  const missing: Diagnostic[] = [];
  const desired = specs.map((spec, index): Desired => {
    const { secrets, missing: absent } = monitorSecrets(spec, given, index, REQUEST_LABEL);
    missing.push(...absent);
    const secretHashes: Record<string, string> = {};
    for (const name of Object.keys(secrets)) secretHashes[name] = allHashes[name]!;
    return { spec, hash: hashSpec(spec, secretHashes), secretHashes, secrets };
  });
  if (missing.length > 0) {
    throw new VigilError(
      'VIGIL_ERR_MISSING_SECRET',
      `${missing.length} secret value(s) missing; nothing was changed`,
      missing,
    );
  }
  return desired;
}

function toWrites(
  changes: PlannedChange[],
  records: MonitorRecord[],
  desired: Desired[],
  gitRevision: string | null,
  at: number,
): MonitorWrites | null {
  const historyOf = new Map(records.map((record) => [record.id, record.historyId]));
  const desiredById = new Map(desired.map((entry) => [entry.spec.id, entry]));
  const writes: MonitorWrites = { gitRevision, at, creates: [], updates: [], deletes: [] };
  const wanted = (id: string): Desired => desiredById.get(id)!;
  const lineage = (spec: MonitorSpec | undefined): number => historyOf.get(spec!.id)!;

  for (const change of changes) {
    switch (change.action) {
      case 'unchanged':
        break;
      case 'delete':
        writes.deletes.push(lineage(change.before?.spec));
        break;
      case 'create':
      case 'replace': {
        const entry = wanted(change.id);
        writes.creates.push({
          spec: entry.spec,
          specHash: entry.hash,
          secretHashes: entry.secretHashes,
          secrets: entry.secrets,
          diff: change.diff,
          replaces: change.action === 'replace' ? lineage(change.before?.spec) : null,
        });
        break;
      }
      case 'update':
      case 'rename': {
        const entry = wanted(change.id);
        writes.updates.push({
          historyId: lineage(change.before?.spec),
          action: change.action,
          spec: entry.spec,
          specHash: entry.hash,
          secretHashes: entry.secretHashes,
          secrets: entry.secrets,
          diff: change.diff,
        });
        break;
      }
    }
  }
  const empty = writes.creates.length + writes.updates.length + writes.deletes.length === 0;
  return empty ? null : writes;
}
