// Reading one monitor file as text: refuse big files before reading them, refuse bytes that are
// not UTF-8, and drop a UTF-8 byte order mark (editors on Windows add one).
import { open } from 'node:fs/promises';
import { MAX_FILE_BYTES } from './limits.ts';

export type ReadOutcome =
  | { ok: true; text: string }
  | {
      ok: false;
      code: 'file_too_large' | 'invalid_encoding' | 'read_error';
      message: string;
      hint: string;
      /** 1-based position of the problem when it has one (the first byte that is not UTF-8). */
      line?: number;
      column?: number;
    };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export async function readMonitorFile(path: string): Promise<ReadOutcome> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    if (size > MAX_FILE_BYTES) {
      return {
        ok: false,
        code: 'file_too_large',
        message: `file is ${formatBytes(size)}; monitor files may be at most 1 MiB`,
        hint: 'split the monitors over several files',
      };
    }
    const bytes = await handle.readFile();
    return decodeMonitorText(bytes);
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    return {
      ok: false,
      code: 'read_error',
      message: `cannot read the file: ${err.code ?? err.message}`,
      hint: 'check that the file exists and is readable',
    };
  } finally {
    await handle?.close();
  }
}

/** Bytes to text: strict UTF-8, BOM removed. */
export function decodeMonitorText(bytes: Uint8Array): ReadOutcome {
  if (bytes.length > MAX_FILE_BYTES) {
    return {
      ok: false,
      code: 'file_too_large',
      message: `file is ${formatBytes(bytes.length)}; monitor files may be at most 1 MiB`,
      hint: 'split the monitors over several files',
    };
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return {
      ok: false,
      code: 'invalid_encoding',
      message: 'file is UTF-16; monitor files must be UTF-8',
      hint: 'save the file as UTF-8',
    };
  }
  try {
    let text = decoder.decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { ok: true, text };
  } catch {
    const lossy = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const before = lossy.slice(0, Math.max(0, lossy.indexOf('\uFFFD')));
    const lines = before.split('\n');
    return {
      ok: false,
      code: 'invalid_encoding',
      message: 'file is not valid UTF-8 text',
      hint: 'save the file as UTF-8 (it may be binary or in another encoding such as Latin-1)',
      line: lines.length,
      column: (lines.at(-1)?.length ?? 0) + 1,
    };
  }
}

function formatBytes(size: number): string {
  return size >= 1024 * 1024 ? `${(size / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(size / 1024)} KiB`;
}
