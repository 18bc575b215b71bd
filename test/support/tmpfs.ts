import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  /** The mounted folder; undefined when mounting was not permitted. */
  dir?: string;
  /** Why it could not be mounted (for the skip's name). */
  reason?: string;
  /** Unmounts and removes the folder; nothing when it was never mounted. */
  unmount(): void;
}

/**
 * A real size-limited filesystem (tmpfs) on a fresh folder, so disk-full tests see the
 * kernel's own ENOSPC and SQLite's own SQLITE_FULL, not a simulation. Needs root (CI and
 * this machine run as root); elsewhere it says why it could not mount, for a skip.
 * Synchronous on purpose: called at module load and after the server has closed.
 */
export function mountTmpfs(size: string): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'gridbuilder-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
    return { reason: `cannot mount a tmpfs here (needs root): ${detail}`, unmount: () => {} };
  }
  return {
    dir,
    unmount: () => {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        // A file handle still closing (a failed test's) keeps it busy: detach it now,
        // the kernel frees it once the handle is closed.
        execFileSync('umount', ['--lazy', dir], { stdio: 'pipe' });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
