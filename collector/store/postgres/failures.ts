// PostgreSQL's (and the connection's) failures as the typed errors the collector knows
// (../errors.ts), the counterpart of ../sqlite/failures.ts. The server answers with a SQLSTATE
// (https://www.postgresql.org/docs/15/errcodes-appendix.html); a connection that cannot be made
// or is lost answers with a Node errno or a message from node-postgres. Every message names the
// database by its URL without the password.
import { StorageError, type StorageErrorCode, StoreConflictError, StoreValueError } from '../errors.ts';

/** SQLSTATEs that are about the storage or the server, not the statement. */
const SQLSTATE_CODES: Record<string, StorageErrorCode> = {
  '53100': 'VIGIL_STORE_FULL', // disk_full
  '53200': 'VIGIL_STORE_FULL', // out_of_memory (the server cannot take more now)
  '53300': 'VIGIL_STORE_CANT_OPEN', // too_many_connections
  '58030': 'VIGIL_STORE_IO', // io_error
  '58000': 'VIGIL_STORE_IO', // system_error
  XX001: 'VIGIL_STORE_IO', // data_corrupted
  XX002: 'VIGIL_STORE_IO', // index_corrupted
  '25006': 'VIGIL_STORE_READ_ONLY', // read_only_sql_transaction (a standby, or default_transaction_read_only)
  '57P01': 'VIGIL_STORE_IO', // admin_shutdown: the server is going away
  '57P02': 'VIGIL_STORE_IO', // crash_shutdown
  '57P03': 'VIGIL_STORE_CANT_OPEN', // cannot_connect_now (starting up, recovering)
  '08000': 'VIGIL_STORE_IO', // connection_exception
  '08003': 'VIGIL_STORE_IO', // connection_does_not_exist
  '08006': 'VIGIL_STORE_IO', // connection_failure
  '08001': 'VIGIL_STORE_CANT_OPEN', // sqlclient_unable_to_establish_sqlconnection
  '08004': 'VIGIL_STORE_CANT_OPEN', // sqlserver_rejected_establishment_of_sqlconnection
  '28000': 'VIGIL_STORE_CANT_OPEN', // invalid_authorization_specification
  '28P01': 'VIGIL_STORE_CANT_OPEN', // invalid_password
  '3D000': 'VIGIL_STORE_CANT_OPEN', // invalid_catalog_name: no such database
  '42501': 'VIGIL_STORE_READ_ONLY', // insufficient_privilege
};

/** Errors of the socket under the connection (no SQLSTATE). */
const ERRNO_CODES: Record<string, StorageErrorCode> = {
  ECONNREFUSED: 'VIGIL_STORE_CANT_OPEN',
  ENOTFOUND: 'VIGIL_STORE_CANT_OPEN',
  EAI_AGAIN: 'VIGIL_STORE_CANT_OPEN',
  EHOSTUNREACH: 'VIGIL_STORE_CANT_OPEN',
  ENETUNREACH: 'VIGIL_STORE_CANT_OPEN',
  ETIMEDOUT: 'VIGIL_STORE_IO',
  ECONNRESET: 'VIGIL_STORE_IO',
  EPIPE: 'VIGIL_STORE_IO',
};

/**
 * SQLSTATE classes of a value refused: 22 data_exception (too long, out of range, bad text or
 * JSON) and 23 integrity_constraint_violation. Retrying the same rows fails the same way.
 */
const VALUE_CLASSES = new Set(['22', '23']);

/** A connection lost by node-postgres itself (no errno, no SQLSTATE). */
const LOST =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i;

/** `postgres://user:secret@host/db` as `postgres://user@host/db` (also drops `password=` params). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.searchParams.delete('password');
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1@');
  }
}

function build(code: StorageErrorCode, location: string, detail: string, cause: unknown): StorageError {
  const what: Record<StorageErrorCode, string> = {
    VIGIL_STORE_FULL: `storage full: the PostgreSQL database ${location} cannot take more data (${detail}). To fix: free space (or memory) on the database server; writes resume by themselves`,
    VIGIL_STORE_IO: `storage I/O error on the PostgreSQL database ${location} (${detail}). To fix: check the database server and the network to it; writes resume by themselves`,
    VIGIL_STORE_READ_ONLY: `the PostgreSQL database ${location} is read-only for Vigil (${detail}). To fix: point VIGIL_DATABASE_URL at the primary, with a role that may write its schema`,
    VIGIL_STORE_CANT_OPEN: `the PostgreSQL database ${location} cannot be reached (${detail}). To fix: check that the server runs, the URL (host, port, database, user) and its password`,
  };
  return new StorageError(code, location, what[code], { cause });
}

/** The StorageError `error` stands for on the database at `location`, or null when it is not one. */
export function storageErrorOf(error: unknown, location: string): StorageError | null {
  if (error instanceof StorageError) return error;
  if (typeof error !== 'object' || error === null) return null;
  const e = error as { code?: unknown; message?: unknown; errors?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (typeof e.code === 'string') {
    const bySqlstate = SQLSTATE_CODES[e.code];
    if (bySqlstate !== undefined)
      return build(bySqlstate, location, `PostgreSQL ${e.code}: ${message}`, error);
    const byErrno = ERRNO_CODES[e.code];
    if (byErrno !== undefined) return build(byErrno, location, e.code, error);
  }
  // A connection to an address list fails as an AggregateError of per-address errors.
  if (Array.isArray(e.errors) && e.errors.length > 0) {
    const first = storageErrorOf(e.errors[0], location);
    if (first !== null) return first;
  }
  if (LOST.test(message)) return build('VIGIL_STORE_IO', location, message, error);
  return null;
}

function valueErrorOf(error: unknown): StoreValueError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || code.length !== 5 || !VALUE_CLASSES.has(code.slice(0, 2))) return null;
  return new StoreValueError((error as Error).message, { cause: error });
}

/** SQLSTATEs of a transaction that lost to a concurrent one: deadlock_detected, serialization_failure. */
const CONFLICT_CODES = new Set(['40P01', '40001']);

function conflictOf(error: unknown): StoreConflictError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !CONFLICT_CODES.has(code)) return null;
  return new StoreConflictError(`PostgreSQL ${code}: ${(error as Error).message}`, { cause: error });
}

/** `error` as its StorageError, StoreValueError or StoreConflictError when it is one, else unchanged. */
export function classified(error: unknown, location: string): unknown {
  return storageErrorOf(error, location) ?? valueErrorOf(error) ?? conflictOf(error) ?? error;
}
