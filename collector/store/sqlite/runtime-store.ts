// The engine's side of the runtime tables: loads at start, and `flush`, which writes one batch
// (checks, logs, marks, states, incidents and their events, runners) in a single transaction and
// runs the incident sink inside it.
import type { Secrets } from '../../../schema/types.ts';
import type {
  FlushBatch,
  IncidentEventSink,
  RecentCheck,
  RunnerRecord,
  RuntimeMonitorRecord,
  RuntimeStore,
  StoredIncidentEvent,
  StoredState,
} from '../runtime-types.ts';
import { allForKeys, updatePairs } from './batches.ts';
import {
  CHECK_COLUMNS,
  checkValues,
  LOG_COLUMNS,
  logValues,
  MISSED_COLUMNS,
  MISSED_UPSERT,
  markPair,
  missedValues,
  ONCE_PER_JOB,
} from './check-rows.ts';
import { insertRows, runForKeys, type SqliteDatabase, storeTxOf, type WriteTx } from './database.ts';
import { type MonitorRow, toRecord } from './monitor-store.ts';
import {
  INCIDENT_COLUMNS,
  INCIDENT_UPSERT,
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

/** A `monitors` row with the secret values, which only runners' jobs receive. */
interface MonitorWithSecretsRow extends MonitorRow {
  secret_values: string;
}

export class SqliteRuntimeStore implements RuntimeStore {
  readonly #db: SqliteDatabase;
  #sink: IncidentEventSink | null = null;

  constructor(db: SqliteDatabase) {
    this.#db = db;
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
    const columns = `history_id, id, name, spec, spec_hash, secret_hashes, secret_values, revision,
              git_revision, created_at, updated_at`;
    const rows =
      historyIds === undefined
        ? await this.#db.reader.all<MonitorWithSecretsRow>(
            `SELECT ${columns} FROM monitors ORDER BY history_id`,
          )
        : await allForKeys<MonitorWithSecretsRow>(
            this.#db.reader,
            `SELECT ${columns} FROM monitors WHERE history_id IN (?*)`,
            historyIds,
          );
    return rows.map((row) => ({
      record: toRecord(row),
      secrets: JSON.parse(row.secret_values) as Secrets,
    }));
  }

  async loadStates(): Promise<StoredState[]> {
    const rows = await this.#db.reader.all<StateRow>(
      `SELECT ${STATE_COLUMNS.join(', ')} FROM monitor_states`,
    );
    return rows.map(toState);
  }

  async recentChecks(since: number): Promise<RecentCheck[]> {
    const rows = await this.#db.reader.all<{
      history_id: number;
      region: string;
      ok: number;
      started_at: number;
    }>(
      'SELECT history_id, region, ok, started_at FROM checks WHERE started_at >= ? ORDER BY started_at, id',
      [since],
    );
    return rows.map((r) => ({
      historyId: r.history_id,
      region: r.region,
      ok: r.ok === 1,
      startedAt: r.started_at,
    }));
  }

  async storedJobs(jobIds: readonly string[]): Promise<Set<string>> {
    const rows = await allForKeys<{ job_id: string }>(
      this.#db.reader,
      'SELECT job_id FROM checks WHERE job_id IN (?*)',
      jobIds,
    );
    return new Set(rows.map((row) => row.job_id));
  }

  async loadRunners(): Promise<RunnerRecord[]> {
    const rows = await this.#db.reader.all<RunnerRow>(
      `SELECT ${RUNNER_COLUMNS.join(', ')} FROM runners WHERE deregistered_at IS NULL ORDER BY registered_at, id`,
    );
    return rows.map(toRunner);
  }

  // `batch.fence` is not checked: one collector holds every shard of a SQLite file.
  flush(batch: FlushBatch): Promise<void> {
    return this.#db.write((tx) => this.#write(tx, batch));
  }

  async #write(tx: WriteTx, batch: FlushBatch): Promise<void> {
    // insertRows writes nothing for an empty list; marks follow the checks they mark.
    await insertRows(tx, 'runners', RUNNER_COLUMNS, batch.runners.map(runnerValues), RUNNER_UPSERT);
    await insertRows(tx, 'checks', CHECK_COLUMNS, batch.checks.map(checkValues), ONCE_PER_JOB);
    await insertRows(tx, 'check_logs', LOG_COLUMNS, batch.logs.map(logValues), ONCE_PER_JOB);
    await updatePairs(tx, 'checks', 'job_id', 'mark', batch.marks.map(markPair));
    if (batch.dropStates.length > 0) {
      await runForKeys(tx, 'DELETE FROM monitor_states WHERE history_id IN (?*)', batch.dropStates);
    }
    await insertRows(tx, 'monitor_states', STATE_COLUMNS, batch.states.map(stateValues), STATE_UPSERT);
    if (batch.missed.length > 0) {
      // Hourly rollups count misses (rollup-schema.ts); checks and marks reach them by triggers.
      await insertRows(tx, 'rollups', MISSED_COLUMNS, missedValues(batch.missed), MISSED_UPSERT);
    }
    if (batch.events.length > 0) {
      const stored: StoredIncidentEvent[] = [];
      for (const e of batch.events) {
        const values =
          e.source === 'monitor'
            ? monitorIncidentValues(e.historyId, e.event)
            : regionIncidentValues(e.event);
        await insertRows(tx, 'incidents', INCIDENT_COLUMNS, [values], INCIDENT_UPSERT);
        const cause = e.source === 'monitor' ? e.event.cause : null;
        const result = await tx.run(
          'INSERT INTO incident_events (incident_id, type, cause, at, event) VALUES (?, ?, ?, ?, ?)',
          [e.event.incidentId, e.event.type, cause, e.event.at, JSON.stringify(e.event)],
        );
        stored.push({ ...e, seq: result.lastID });
      }
      if (this.#sink !== null) await this.#sink(stored, storeTxOf(tx));
    }
  }
}
