// What `vigil store copy` moves, table by table, in an order that satisfies every foreign key:
// each table's columns with an engine-neutral kind (each engine maps the kind to its own type), the
// key the source is read in order of (keyset paging, so a page costs the same at any depth), and
// the column whose sequence the target moves past the copied ids. Derived tables (rollups, TLS
// expiry, first result) are copied as stored, not recomputed: rollups outlive the raw checks they
// were counted from (400 days against 30), so a recount would lose history. The tables here and
// their columns are compared with both engines' catalogs by test/store/copy-coverage.test.ts, so
// a migration that adds a table or a column fails that test until it is mapped (or listed as not
// copied below). README "Moving to PostgreSQL" describes the command.
import { BUCKET_COUNT } from '../rollups/histogram.ts';

/** int: whole numbers (epoch ms, ids, counts); real: floating point; json: JSON text. */
export type ColumnKind = 'int' | 'real' | 'text' | 'bool' | 'json';

/** A cell as the copy carries it: booleans as booleans, JSON as its text. */
export type CopyValue = string | number | boolean | null;

export interface CopyColumn {
  readonly name: string;
  readonly kind: ColumnKind;
}

export interface CopyTable {
  readonly name: string;
  readonly columns: readonly CopyColumn[];
  /** Columns of the primary key: the source is read in this order, page after page. */
  readonly key: readonly string[];
  /** An id column drawn from a sequence (identity) on the target: moved past the largest copied. */
  readonly sequence?: string;
  /**
   * Seeded by the target's migrations and only ever counted up (generation counters): merged, each
   * key ending above both sides' values, never truncated.
   */
  readonly counters?: true;
}

/**
 * Tables of an engine's catalog that are not copied, with why. The migration records belong to
 * each engine (the target has its own, at its own version). Members and shard leases describe
 * live collectors: the source's one collector is stopped, and the target's collectors make their
 * own when they start.
 */
export const NOT_COPIED: Readonly<Record<string, string>> = {
  schema_migrations: "each engine's own migration record",
  cluster_members: 'live collectors; the stopped source collector is no member of the target',
  shard_leases: "leases of live collectors; the target's collectors take them at start",
  check_jobs:
    'keys of jobs stored in the last day, against two collectors storing one result twice; the copied checks come from one stopped collector and are found by job id in checks',
};

/**
 * Columns left at their default on the target, with why. A delivery claim belongs to a worker of
 * a running collector; the source's is stopped, so its rows arrive unclaimed and the target's
 * workers take them as any pending row.
 */
export const NOT_COPIED_COLUMNS: Readonly<Record<string, string>> = {
  'outbox.claimed_by': 'delivery claims of the stopped collector: copied rows are unclaimed',
  'outbox.claimed_until': 'delivery claims of the stopped collector: copied rows are unclaimed',
};

const cols = (spec: string): CopyColumn[] =>
  spec
    .trim()
    .split(/\s+/)
    .map((part) => {
      const [name, kind = 'int'] = part.split(':') as [string, ColumnKind | undefined];
      return { name, kind };
    });

const BUCKETS = Array.from({ length: BUCKET_COUNT }, (_, i) => `b${i}`).join(' ');

export const COPY_TABLES: readonly CopyTable[] = [
  { name: 'settings', key: ['key'], columns: cols('key:text value:text') },
  {
    name: 'monitor_histories',
    key: ['history_id'],
    sequence: 'history_id',
    columns: cols('history_id first_id:text created_at first_result_at'),
  },
  // Before monitors: the target's pause trigger then finds a paused monitor's open span copied
  // and adds none of its own.
  {
    name: 'monitor_spans',
    key: ['id'],
    sequence: 'id',
    columns: cols('id history_id kind:text start_at end_at'),
  },
  {
    name: 'monitors',
    key: ['history_id'],
    columns: cols(
      `history_id id:text name:text spec:json spec_hash:text secret_hashes:json secret_values:json
       revision git_revision:text created_at updated_at`,
    ),
  },
  {
    name: 'monitor_revisions',
    key: ['history_id', 'revision'],
    columns: cols(
      'history_id revision monitor_id:text action:text spec:json spec_hash:text diff:json git_revision:text applied_at',
    ),
  },
  {
    name: 'archived_monitors',
    key: ['history_id'],
    columns: cols(
      `history_id id:text name:text spec:json spec_hash:text revision created_at updated_at archived_at
       reason:text replaced_by git_revision:text`,
    ),
  },
  {
    name: 'runners',
    key: ['id'],
    columns: cols(
      `id:text region:text name:text version:text concurrency embedded:bool token_hash:text
       key_fingerprint:text expires_at registered_at last_seen deregistered_at`,
    ),
  },
  {
    name: 'checks',
    key: ['id'],
    sequence: 'id',
    columns: cols(
      `id job_id:text history_id monitor_id:text region:text runner_id:text purpose:text round_id:text
       started_at due_at claimed_at received_at ok:bool reason:text message:text status
       http_version:text remote_ip:text remote_family total_ms:real timings:json tls_days_left
       detail:json mark:text has_log:bool late:bool`,
    ),
  },
  { name: 'check_logs', key: ['job_id'], columns: cols('job_id:text history_id started_at log:json') },
  {
    name: 'monitor_states',
    key: ['history_id'],
    columns: cols(
      'history_id monitor_id:text state:text since verdict:json last_round_at last_results:json updated_at',
    ),
  },
  {
    name: 'incidents',
    key: ['id'],
    columns: cols(
      `id:text history_id monitor_id:text region:text kind:text start_at end_at last_failure
       failed_checks reason:text first_job_id:text suppressed:bool opened_at resolved_at
       resolve_cause:text updated_at`,
    ),
  },
  {
    name: 'incident_events',
    key: ['seq'],
    sequence: 'seq',
    columns: cols('seq incident_id:text type:text cause:text at event:json'),
  },
  {
    name: 'rollups',
    key: ['hour', 'history_id', 'region'],
    columns: cols(
      `hour history_id region:text checks failures unconfirmed missed rt_count rt_sum:real rt_min:real
       rt_max:real ${BUCKETS} updated_at`,
    ),
  },
  {
    name: 'tls_expiry',
    key: ['history_id', 'region'],
    columns: cols('history_id region:text checked_at expires_at'),
  },
  { name: 'status_progress', key: ['history_id'], columns: cols('history_id maintenance_until') },
  { name: 'status_meta', key: ['key'], counters: true, columns: cols('key:text value') },
  {
    name: 'alerts',
    key: ['id'],
    columns: cols(
      'id:text kind:text monitor_id:text subject:text status:text start_at closed_at updated_at data:json',
    ),
  },
  { name: 'alert_incidents', key: ['incident_id'], columns: cols('incident_id:text alert_id:text') },
  {
    name: 'outbox',
    key: ['id'],
    sequence: 'id',
    columns: cols(
      `id alert_id:text sink:text op:text snapshot:json state:text attempts next_attempt_at
       error_code:text error:text created_at done_at`,
    ),
  },
  {
    name: 'alert_deliveries',
    key: ['alert_id', 'sink'],
    columns: cols(
      'alert_id:text sink:text state:text ref_id:text ref_url:text error_code:text error:text updated_at',
    ),
  },
];
