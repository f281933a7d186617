// Real filesystems for fault tests: a small tmpfs mounted for the test (to fill it, or remount it
// read-only), unmounted in cleanup. Mounting needs root: CI runs these as root, so anywhere else
// the tests fail loudly instead of skipping.
import { execFileSync } from 'node:child_process';
import { appendFile, mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Fills the free space with one file (`free()` removes it). */
  fill(): Promise<void>;
  free(): Promise<void>;
  readOnly(): void;
  /** Unmounts and removes the mount point. */
  close(): Promise<void>;
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('test/faults mounts a tmpfs and needs root (CI runs it as root); run it as root');
  }
}

export async function mountTmpfs(sizeBytes: number): Promise<Tmpfs> {
  requireRoot();
  const dir = await mkdtemp(join(tmpdir(), 'vigil-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs at ${dir}: ${(error as Error).message}`);
  }
  const filler = join(dir, 'filler');
  let mounted = true;
  return {
    dir,
    async fill() {
      // The collector writes on its own (flushes, its cluster heartbeat every 5 s), so the free
      // space can shrink between statfs and fallocate: allocate all but 1 MiB, then take the rest
      // with small writes until the disk refuses one.
      const s = await statfs(dir);
      const bytes = Math.max(0, s.bavail * s.bsize - 1024 * 1024);
      if (bytes > 0) execFileSync('fallocate', ['-l', String(bytes), filler], { stdio: 'pipe' });
      for (let i = 0; i < 64; i++) {
        const ok = await appendFile(join(dir, 'filler-tail'), Buffer.alloc(64 * 1024))
          .then(() => true)
          .catch(() => false);
        if (!ok) break;
      }
    },
    async free() {
      await rm(filler, { force: true });
      await rm(join(dir, 'filler-tail'), { force: true });
    },
    readOnly() {
      execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' });
    },
    async close() {
      if (mounted) {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
        mounted = false;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
