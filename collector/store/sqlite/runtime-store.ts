// The engine's side of the runtime tables: loads at start, and `flush`, which writes one batch
// (checks, logs, marks, states, incidents and their events, runners) in a single transaction and
// runs the incident sink inside it.
import type { Secrets } from '../../../schema/types.ts';
import { HOUR_MS } from '../../rollups/hourly.ts';
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
import { insertRows, runForKeys, type SqliteDatabase, storeTxOf, type WriteTx } from './database.ts';
import { type MonitorRow, toRecord } from './monitor-store.ts';
import {
  CHECK_COLUMNS,
  checkValues,
  INCIDENT_COLUMNS,
  INCIDENT_UPSERT,
  monitorIncidentValues,
  RUNNER_COLUMNS,
  type RunnerRow,
  regionIncidentValues,
  runnerValues,
  STATE_COLUMNS,
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
    const rows = await this.#db.reader.all<{
      history_id: number;
      id: string;
      revision: number;
      spec_hash: string;
    }>('SELECT history_id, id, revision, spec_hash FROM monitors');
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
    let rows: MonitorWithSecretsRow[];
    if (historyIds === undefined) {
      rows = await this.#db.reader.all<MonitorWithSecretsRow>(
        `SELECT ${columns} FROM monitors ORDER BY history_id`,
      );
    } else {
      rows = [];
      for (let start = 0; start < historyIds.length; start += 500) {
        const chunk = historyIds.slice(start, start + 500);
        rows.push(
          ...(await this.#db.reader.all<MonitorWithSecretsRow>(
            `SELECT ${columns} FROM monitors WHERE history_id IN (${chunk.map(() => '?').join(',')})`,
            chunk,
          )),
        );
      }
    }
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
    const found = new Set<string>();
    for (let start = 0; start < jobIds.length; start += 500) {
      const chunk = jobIds.slice(start, start + 500);
      const rows = await this.#db.reader.all<{ job_id: string }>(
        `SELECT job_id FROM checks WHERE job_id IN (${chunk.map(() => '?').join(',')})`,
        chunk,
      );
      for (const row of rows) found.add(row.job_id);
    }
    return found;
  }

  async loadRunners(): Promise<RunnerRecord[]> {
    const rows = await this.#db.reader.all<RunnerRow>(
      `SELECT ${RUNNER_COLUMNS.join(', ')} FROM runners WHERE deregistered_at IS NULL ORDER BY registered_at, id`,
    );
    return rows.map(toRunner);
  }

  flush(batch: FlushBatch): Promise<void> {
    return this.#db.write((tx) => this.#write(tx, batch));
  }

  async #write(tx: WriteTx, batch: FlushBatch): Promise<void> {
    if (batch.runners.length > 0) {
      await insertRows(
        tx,
        'runners',
        RUNNER_COLUMNS,
        batch.runners.map(runnerValues),
        `ON CONFLICT (id) DO UPDATE SET last_seen = max(runners.last_seen, excluded.last_seen),
           deregistered_at = coalesce(excluded.deregistered_at, runners.deregistered_at),
           version = excluded.version, concurrency = excluded.concurrency`,
      );
    }
    if (batch.checks.length > 0) {
      await insertRows(
        tx,
        'checks',
        CHECK_COLUMNS,
        batch.checks.map(checkValues),
        'ON CONFLICT (job_id) DO NOTHING',
      );
    }
    if (batch.logs.length > 0) {
      await insertRows(
        tx,
        'check_logs',
        ['job_id', 'history_id', 'started_at', 'log'],
        batch.logs.map((l) => [l.jobId, l.historyId, l.startedAt, JSON.stringify(l.log)]),
        'ON CONFLICT (job_id) DO NOTHING',
      );
    }
    for (let start = 0; start < batch.marks.length; start += 500) {
      const chunk = batch.marks.slice(start, start + 500);
      await tx.run(
        `UPDATE checks SET mark = v.column2
         FROM (VALUES ${chunk.map(() => '(?, ?)').join(',')}) AS v
         WHERE checks.job_id = v.column1`,
        chunk.flatMap((m) => [m.jobId, m.mark]),
      );
    }
    if (batch.dropStates.length > 0) {
      await runForKeys(tx, 'DELETE FROM monitor_states WHERE history_id IN (?*)', batch.dropStates);
    }
    if (batch.states.length > 0) {
      await insertRows(
        tx,
        'monitor_states',
        STATE_COLUMNS,
        batch.states.map(stateValues),
        `ON CONFLICT (history_id) DO UPDATE SET monitor_id = excluded.monitor_id, state = excluded.state,
           since = excluded.since, verdict = excluded.verdict, last_round_at = excluded.last_round_at,
           last_results = excluded.last_results, updated_at = excluded.updated_at`,
      );
    }
    if (batch.missed.length > 0) {
      // Hourly rollups (migration 3) count misses; checks and marks reach them by triggers.
      const counts = new Map<string, [number, number, string, number]>();
      for (const m of batch.missed) {
        const hour = Math.floor(m.at / HOUR_MS) * HOUR_MS;
        const key = `${hour}\u0000${m.historyId}\u0000${m.region ?? ''}`;
        const row = counts.get(key);
        if (row) row[3] += 1;
        else counts.set(key, [hour, m.historyId, m.region ?? '', 1]);
      }
      const now = Math.max(...batch.missed.map((m) => m.at));
      await insertRows(
        tx,
        'rollups',
        ['hour', 'history_id', 'region', 'missed', 'updated_at'],
        [...counts.values()].map(([hour, historyId, region, n]) => [hour, historyId, region, n, now]),
        'ON CONFLICT (hour, history_id, region) DO UPDATE SET missed = missed + excluded.missed, updated_at = max(updated_at, excluded.updated_at)',
      );
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
