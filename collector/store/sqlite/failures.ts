// SQLite's (and the filesystem's) storage failures as typed StorageErrors (../errors.ts): the
// disk is full, an I/O error, a read-only file or mount, a file that cannot be opened. Every
// message names the file and says what to do. A value the store cannot hold (unbindable, too big,
// a constraint) is a StoreValueError; any other error (bad SQL) passes through unchanged.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorageError, type StorageErrorCode, StoreValueError } from '../errors.ts';

// Primary result codes (https://sqlite.org/rescode.html); extended codes keep them in the low byte.
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;

const ERRNO_CODES: Record<string, StorageErrorCode> = {
  ENOSPC: 'VIGIL_STORE_FULL',
  EDQUOT: 'VIGIL_STORE_FULL',
  EIO: 'VIGIL_STORE_IO',
  EROFS: 'VIGIL_STORE_READ_ONLY',
  EACCES: 'VIGIL_STORE_CANT_OPEN',
  EPERM: 'VIGIL_STORE_CANT_OPEN',
  ENOENT: 'VIGIL_STORE_CANT_OPEN',
  ENOTDIR: 'VIGIL_STORE_CANT_OPEN',
  EISDIR: 'VIGIL_STORE_CANT_OPEN',
  // mkdir of the directory where a file of that name exists.
  EEXIST: 'VIGIL_STORE_CANT_OPEN',
};

const ELSEWHERE = 'or point VIGIL_DB elsewhere';

/** Why the nearest existing ancestor of `dir` refuses a new directory (`: ... read-only`), or ''. */
function blockedBy(dir: string): string {
  for (let at = dirname(dir); ; at = dirname(at)) {
    try {
      accessSync(at, constants.W_OK);
      return '';
    } catch (error) {
      const errno = (error as NodeJS.ErrnoException).code;
      if (errno === 'EROFS') return `: ${at} is on a read-only filesystem`;
      if (errno !== 'ENOENT') return `: ${at} is not writable by this process (${errno})`;
    }
    if (dirname(at) === at) return '';
  }
}

/** Why `path` cannot be opened for writing, found by looking at it (only called on failure). */
function whyNotWritable(path: string): { code: StorageErrorCode; why: string; fix: string } | null {
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) {
      return {
        code: 'VIGIL_STORE_CANT_OPEN',
        why: `${dir} is not a directory`,
        fix: 'point VIGIL_DB at a file in a directory',
      };
    }
  } catch {
    return {
      code: 'VIGIL_STORE_CANT_OPEN',
      why: `the directory ${dir} does not exist and cannot be created${blockedBy(dir)}`,
      fix: `create the directory ${dir}, ${ELSEWHERE}`,
    };
  }
  try {
    if (statSync(path).isDirectory()) {
      return {
        code: 'VIGIL_STORE_CANT_OPEN',
        why: `${path} is a directory`,
        fix: 'point VIGIL_DB at a file, not a directory',
      };
    }
  } catch {
    // No file yet: the directory must let us create it.
  }
  for (const target of [path, dir]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const errno = (error as NodeJS.ErrnoException).code;
      if (errno === 'ENOENT') continue;
      if (errno === 'EROFS') {
        return {
          code: 'VIGIL_STORE_READ_ONLY',
          why: `${target} is on a read-only filesystem`,
          fix: `remount it read-write, ${ELSEWHERE} (a writable filesystem)`,
        };
      }
      return {
        code: target === path ? 'VIGIL_STORE_READ_ONLY' : 'VIGIL_STORE_CANT_OPEN',
        why: `${target} is not writable by this process (${errno})`,
        fix: `fix its permissions (or clear its immutable attribute: chattr -i), ${ELSEWHERE}`,
      };
    }
  }
  return null;
}

function build(code: StorageErrorCode, path: string, detail: string, cause: unknown): StorageError {
  switch (code) {
    case 'VIGIL_STORE_FULL':
      return new StorageError(
        code,
        path,
        `storage full: the disk holding the database ${path} is full (${detail}). To fix: free space on that filesystem; writes resume by themselves`,
        { cause },
      );
    case 'VIGIL_STORE_IO':
      return new StorageError(
        code,
        path,
        `storage I/O error on the database ${path} (${detail}). To fix: check the disk and its filesystem`,
        { cause },
      );
    default: {
      const found = whyNotWritable(path) ?? {
        code,
        why: 'SQLite could not open it (or its -wal and -shm files) for writing',
        fix: `check the permissions of the file, its directory and its -wal and -shm files, ${ELSEWHERE}`,
      };
      // SQLite's READONLY stays READONLY; its CANTOPEN becomes READONLY on a read-only mount.
      const final = code === 'VIGIL_STORE_READ_ONLY' ? code : found.code;
      const kind = final === 'VIGIL_STORE_READ_ONLY' ? 'is read-only' : 'cannot be opened';
      return new StorageError(
        final,
        path,
        `the database ${path} ${kind}: ${found.why} (${detail}). To fix: ${found.fix}`,
        {
          cause,
        },
      );
    }
  }
}

/** The StorageError `error` stands for on the database `path`, or null when it is not one. */
export function storageErrorOf(error: unknown, path: string): StorageError | null {
  if (error instanceof StorageError) return error;
  if (typeof error !== 'object' || error === null) return null;
  const e = error as { errcode?: unknown; errstr?: unknown; code?: unknown; message?: unknown };
  if (typeof e.errcode === 'number') {
    const detail = `SQLite: ${typeof e.errstr === 'string' ? e.errstr : String(e.message)}`;
    switch (e.errcode & 0xff) {
      case SQLITE_FULL:
        return build('VIGIL_STORE_FULL', path, detail, error);
      case SQLITE_IOERR:
        return build('VIGIL_STORE_IO', path, detail, error);
      case SQLITE_READONLY:
        return build('VIGIL_STORE_READ_ONLY', path, detail, error);
      case SQLITE_CANTOPEN:
        return build('VIGIL_STORE_CANT_OPEN', path, detail, error);
      default:
        return null;
    }
  }
  const mapped = typeof e.code === 'string' ? ERRNO_CODES[e.code] : undefined;
  return mapped === undefined ? null : build(mapped, path, String(e.code), error);
}

/** `error` as its StorageError when it is one, else unchanged (for `catch` blocks that rethrow). */
export function classified(error: unknown, path: string): unknown {
  return storageErrorOf(error, path) ?? valueErrorOf(error) ?? error;
}

// A statement refused for what it was given, not for the storage under it.
const SQLITE_TOOBIG = 18;
const SQLITE_CONSTRAINT = 19;
const SQLITE_MISMATCH = 20;

/** A value node:sqlite cannot bind, or SQLite refuses as too big or of the wrong type. */
function valueErrorOf(error: unknown): StoreValueError | null {
  if (error instanceof TypeError && /cannot be bound/.test(error.message))
    return new StoreValueError(error.message, { cause: error });
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  if (typeof errcode !== 'number') return null;
  const primary = errcode & 0xff;
  if (primary !== SQLITE_TOOBIG && primary !== SQLITE_CONSTRAINT && primary !== SQLITE_MISMATCH) return null;
  return new StoreValueError((error as Error).message, { cause: error });
}
