// The engine's side of the runtime tables in PostgreSQL: loads at start, and `flush`, which
// writes one batch (runners, checks with their rollups, logs, marks, states, misses, incidents and
// their events) in a single transaction and runs the incident sink inside it. A batch with a fence
// (several collectors, ARCHITECTURE.md "Cluster") first reads its shards' leases FOR SHARE in that
// transaction (a member taking one waits for this commit) and leaves out the state, events and
// misses of monitors whose lease the writer no longer holds at its epoch; checks always go in.

import type { Secrets } from '../../../schema/types.ts';
import { HOUR_MS } from '../../rollups/hourly.ts';
import { shardOf } from '../cluster-types.ts';
import type {
  FlushBatch,
  FlushFence,
  FlushOutcome,
  IncidentEventSink,
  RecentCheck,
  RunnerRecord,
  RuntimeMonitorRecord,
  RuntimeStore,
  StoredIncidentEvent,
  StoredState,
} from '../runtime-types.ts';
import { type Column, insertRows, jsonb, lastByKey } from './bulk.ts';
import { insertChecks, setMarks } from './check-write.ts';
import { type PgDatabase, type PgTx, storeTxOf } from './database.ts';
import type { MonitorRow } from './monitor-store.ts';
import { toRecord } from './monitor-store.ts';
import { type CheckPartitions, isMissingPartition } from './partitions.ts';
import {
  INCIDENT_COLUMNS,
  INCIDENT_UPSERT,
  mergeRunners,
  monitorIncidentValues,
  RUNNER_COLUMNS,
  RUNNER_UPSERT,
  type RunnerRow,
  regionIncidentValues,
  runnerValues,
  STATE_COLUMNS,
  STATE_UPSERT,
  type StateRow,
  stateValues,
  toRunner,
  toState,
} from './runtime-rows.ts';

const LOG_COLUMNS: readonly Column[] = [
  ['job_id', 'text'],
  ['history_id', 'bigint'],
  ['started_at', 'bigint'],
  ['log', 'jsonb'],
];

const MISSED_COLUMNS: readonly Column[] = [
  ['hour', 'bigint'],
  ['history_id', 'bigint'],
  ['region', 'text'],
  ['missed', 'integer'],
  ['updated_at', 'bigint'],
];

const MISSED_UPSERT = `ON CONFLICT (hour, history_id, region) DO UPDATE SET missed = rollups.missed + excluded.missed,
  updated_at = GREATEST(rollups.updated_at, excluded.updated_at)`;

/** One rollups row per (hour, lineage, region) counting the misses in it (region '' = none chosen). */
function missedRows(missed: FlushBatch['missed']): Array<[number, number, string, number, number]> {
  const counts = new Map<string, [number, number, string, number, number]>();
  const now = Math.max(...missed.map((m) => m.at));
  for (const m of missed) {
    const hour = Math.floor(m.at / HOUR_MS) * HOUR_MS;
    const key = `${hour}\u0000${m.historyId}\u0000${m.region ?? ''}`;
    const row = counts.get(key);
    if (row) row[3] += 1;
    else counts.set(key, [hour, m.historyId, m.region ?? '', 1, now]);
  }
  return [...counts.values()];
}

const MONITOR_WITH_SECRETS = `history_id, id, name, spec, spec_hash, secret_hashes, secret_values, revision,
  git_revision, created_at, updated_at`;

export class PgRuntimeStore implements RuntimeStore {
  readonly #db: PgDatabase;
  readonly #partitions: CheckPartitions;
  #sink: IncidentEventSink | null = null;

  constructor(db: PgDatabase, partitions: CheckPartitions) {
    this.#db = db;
    this.#partitions = partitions;
  }

  setIncidentSink(sink: IncidentEventSink | null): void {
    this.#sink = sink;
  }

  async loadMonitorVersions(): Promise<
    Array<{ historyId: number; id: string; revision: number; specHash: string }>
  > {
    const rows = await this.#db.reader.all<Pick<MonitorRow, 'history_id' | 'id' | 'revision' | 'spec_hash'>>(
      'SELECT history_id, id, revision, spec_hash FROM monitors',
    );
    return rows.map((r) => ({
      historyId: r.history_id,
      id: r.id,
      revision: r.revision,
      specHash: r.spec_hash,
    }));
  }

  async loadMonitors(historyIds?: readonly number[]): Promise<RuntimeMonitorRecord[]> {
    const rows = await this.#db.reader.all<MonitorRow & { secret_values: Secrets }>(
      historyIds === undefined
        ? `SELECT ${MONITOR_WITH_SECRETS} FROM monitors ORDER BY history_id`
        : `SELECT ${MONITOR_WITH_SECRETS} FROM monitors WHERE history_id = ANY($1::bigint[]) ORDER BY history_id`,
      historyIds === undefined ? [] : [historyIds],
    );
    return rows.map((row) => ({ record: toRecord(row), secrets: row.secret_values }));
  }

  async loadStates(): Promise<StoredState[]> {
    const rows = await this.#db.reader.all<StateRow>(
      `SELECT ${STATE_COLUMNS.map(([name]) => name).join(', ')} FROM monitor_states`,
    );
    return rows.map(toState);
  }

  async recentChecks(since: number): Promise<RecentCheck[]> {
    const rows = await this.#db.reader.all<{
      history_id: number;
      region: string;
      ok: boolean;
      started_at: number;
    }>(
      'SELECT history_id, region, ok, started_at FROM checks WHERE started_at >= $1 ORDER BY started_at, id',
      [since],
    );
    return rows.map((r) => ({
      historyId: r.history_id,
      region: r.region,
      ok: r.ok,
      startedAt: r.started_at,
    }));
  }

  async storedJobs(jobIds: readonly string[]): Promise<Set<string>> {
    if (jobIds.length === 0) return new Set();
    const rows = await this.#db.reader.all<{ job_id: string }>(
      'SELECT job_id FROM checks WHERE job_id = ANY($1::text[])',
      [jobIds],
    );
    return new Set(rows.map((row) => row.job_id));
  }

  async loadRunners(): Promise<RunnerRecord[]> {
    const rows = await this.#db.reader.all<RunnerRow>(
      `SELECT ${RUNNER_COLUMNS.map(([name]) => name).join(', ')} FROM runners
       WHERE deregistered_at IS NULL ORDER BY registered_at, id COLLATE "C"`,
    );
    return rows.map(toRunner);
  }

  async flush(batch: FlushBatch): Promise<FlushOutcome | undefined> {
    try {
      return await this.#flushOnce(batch);
    } catch (error) {
      if (!isMissingPartition(error)) throw error;
      // A day was dropped behind this store's back: learn the days again and write once more.
      this.#partitions.forget();
      return await this.#flushOnce(batch);
    }
  }

  async #flushOnce(batch: FlushBatch): Promise<FlushOutcome | undefined> {
    if (batch.checks.length > 0) await this.#partitions.ensure(batch.checks.map((c) => c.startedAt));
    return await this.#db.write(async (tx) => {
      const fenced = batch.fence ? await fenceBatch(tx, batch, batch.fence) : null;
      await this.#write(tx, fenced?.batch ?? batch);
      return fenced?.outcome;
    });
  }

  async #write(tx: PgTx, batch: FlushBatch): Promise<void> {
    await insertRows(
      tx,
      'runners',
      RUNNER_COLUMNS,
      mergeRunners(batch.runners).map(runnerValues),
      RUNNER_UPSERT,
    );
    // Checks first: the logs and marks below may refer to them.
    await insertChecks(tx, batch.checks);
    await insertRows(
      tx,
      'check_logs',
      LOG_COLUMNS,
      batch.logs.map((l) => [l.jobId, l.historyId, l.startedAt, jsonb(l.log)]),
      'ON CONFLICT (job_id) DO NOTHING',
    );
    await setMarks(tx, batch.marks);
    if (batch.dropStates.length > 0) {
      await tx.run('DELETE FROM monitor_states WHERE history_id = ANY($1::bigint[])', [batch.dropStates]);
    }
    const states = lastByKey(batch.states, (s) => s.historyId);
    await insertRows(tx, 'monitor_states', STATE_COLUMNS, states.map(stateValues), STATE_UPSERT);
    if (batch.missed.length > 0) {
      await insertRows(tx, 'rollups', MISSED_COLUMNS, missedRows(batch.missed), MISSED_UPSERT);
    }
    if (batch.events.length > 0) {
      // One event at a time: an incident opened and resolved in one batch is upserted twice, in order.
      const stored: StoredIncidentEvent[] = [];
      for (const e of batch.events) {
        const values =
          e.source === 'monitor'
            ? monitorIncidentValues(e.historyId, e.event)
            : regionIncidentValues(e.event);
        await insertRows(tx, 'incidents', INCIDENT_COLUMNS, [values], INCIDENT_UPSERT);
        const row = await tx.get<{ seq: number }>(
          'INSERT INTO incident_events (incident_id, type, cause, at, event) VALUES ($1, $2, $3, $4, $5) RETURNING seq',
          [
            e.event.incidentId,
            e.event.type,
            e.source === 'monitor' ? e.event.cause : null,
            e.event.at,
            jsonb(e.event),
          ],
        );
        stored.push({ ...e, seq: row!.seq });
      }
      if (this.#sink !== null) await this.#sink(stored, storeTxOf(tx));
    }
  }
}

/**
 * The part of `batch` its writer may still write: the leases of the shards it touches are read
 * (and share-locked until COMMIT) here; monitors of shards not held by `fence.member` at the
 * fence's epoch lose their state, state removal, events and misses. Undefined outcome: all held.
 */
async function fenceBatch(
  tx: PgTx,
  batch: FlushBatch,
  fence: FlushFence,
): Promise<{ batch: FlushBatch; outcome: FlushOutcome | undefined }> {
  const histories = new Set<number>();
  for (const s of batch.states) histories.add(s.historyId);
  for (const id of batch.dropStates) histories.add(id);
  for (const e of batch.events) if (e.source === 'monitor') histories.add(e.historyId);
  for (const m of batch.missed) histories.add(m.historyId);
  if (histories.size === 0) return { batch, outcome: undefined };
  const shards = [...new Set([...histories].map(shardOf))].sort((a, b) => a - b);
  const rows = await tx.all<{ shard: number; owner: string; epoch: number }>(
    'SELECT shard, owner, epoch FROM shard_leases WHERE shard = ANY($1::int[]) ORDER BY shard FOR SHARE',
    [shards],
  );
  const held = new Set(
    rows
      .filter((r) => r.owner === fence.member && Number(r.epoch) === fence.epochs.get(r.shard))
      .map((r) => r.shard),
  );
  const keeps = (historyId: number) => held.has(shardOf(historyId));
  const fenced = [...histories].filter((h) => !keeps(h));
  if (fenced.length === 0) return { batch, outcome: undefined };
  const kept: FlushBatch = {
    ...batch,
    states: batch.states.filter((s) => keeps(s.historyId)),
    dropStates: batch.dropStates.filter(keeps),
    events: batch.events.filter((e) => e.source !== 'monitor' || keeps(e.historyId)),
    missed: batch.missed.filter((m) => keeps(m.historyId)),
  };
  const fencedRows =
    batch.states.length -
    kept.states.length +
    batch.dropStates.length -
    kept.dropStates.length +
    batch.events.length -
    kept.events.length +
    batch.missed.length -
    kept.missed.length;
  return { batch: kept, outcome: { fencedHistories: fenced.sort((a, b) => a - b), fencedRows } };
}
