import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, statfsSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { rename, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GridBuilderError } from '../../core/errors.js';

const MIB = 1024 * 1024;

/**
 * Below this much free space (besides the reserve) /health reports the disk as full, and
 * a released reserve is made again only once this much is free on top of it, so the
 * space a delete frees goes to the reserve before it goes to new uploads.
 */
export const LOW_SPACE_BYTES = MIB;

/** The kernel's "no space" and "over quota", and SQLite's "database or disk is full". */
export const isOutOfSpace = (error: unknown): boolean =>
  ['ENOSPC', 'EDQUOT', 'SQLITE_FULL'].includes(String((error as { code?: unknown })?.code));

export const storageFull = (cause?: unknown) =>
  new GridBuilderError(
    'storage_full',
    "The server's storage is full, so nothing was written: delete images or grids you no " +
      "longer need to free space, or ask the server's operator to give it more disk space.",
    { cause },
  );

/** An out-of-space error as `storage_full`; any other error as it is. */
export const asStorageError = (error: unknown, space?: DiskSpace): unknown => {
  if (!isOutOfSpace(error)) return error;
  space?.noteOutOfSpace();
  return storageFull(error);
};

/**
 * Runs a synchronous SQLite write that removes data. Removing is how a full disk gets
 * space back, yet SQLite must first append the removal to its WAL: when that finds no
 * room, the reserve is given up and the write tried once more.
 */
export function freeingReserve<T>(space: DiskSpace | undefined, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (!isOutOfSpace(error) || !space?.releaseReserve()) throw error;
    return write();
  }
}

/**
 * Watches the free space of the local backend's filesystem and keeps a reserve file
 * ("ballast") of `reserveBytes` in DATA_DIR, so that deletes can still commit once
 * uploads have filled the disk (see `freeingReserve`). While the reserve is given up,
 * new objects are refused until it can be made again.
 */
export class DiskSpace {
  private readonly reserveFile: string;
  private reserveInPlace = false;
  private restoring: Promise<boolean> | undefined;
  /** A write failed for lack of space, and no space has been freed since. */
  private outOfSpace = false;

  constructor(
    private readonly dataDir: string,
    private readonly reserveBytes: number,
  ) {
    this.reserveFile = join(dataDir, 'storage-reserve');
  }

  /** At start: keeps a reserve of the right size, or makes one if there is room. */
  prepare(): void {
    const temp = `${this.reserveFile}.tmp`;
    // Half made when the last run stopped: of no use, and it holds space.
    rmSync(temp, { force: true });
    if (this.reserveBytes === 0) {
      rmSync(this.reserveFile, { force: true });
      return;
    }
    try {
      if (statSync(this.reserveFile).size === this.reserveBytes) {
        this.reserveInPlace = true;
        return;
      }
    } catch {
      // None yet.
    }
    rmSync(this.reserveFile, { force: true });
    if (this.freeBytesSync() < this.reserveBytes + LOW_SPACE_BYTES) return;
    try {
      writeFileSync(temp, filler(this.reserveBytes), { mode: 0o600 });
      renameSync(temp, this.reserveFile);
      this.reserveInPlace = true;
    } catch (error) {
      rmSync(temp, { force: true });
      if (!isOutOfSpace(error)) throw error;
    }
  }

  /**
   * Whether a new object may be written: the reserve is in place, or there is room to
   * make it again now (it is then made).
   */
  async mayWrite(): Promise<boolean> {
    if (this.reserveBytes === 0 || this.reserveInPlace) return true;
    this.restoring ??= this.restore().finally(() => {
      this.restoring = undefined;
    });
    return this.restoring;
  }

  /**
   * Gives up the reserve (synchronously, so that a retry right after sees the space);
   * whether there was one to give up.
   */
  releaseReserve(): boolean {
    let released = false;
    for (const file of [this.reserveFile, `${this.reserveFile}.tmp`]) {
      try {
        unlinkSync(file);
        released = true;
      } catch {
        // Not there.
      }
    }
    this.reserveInPlace = false;
    return released;
  }

  noteOutOfSpace(): void {
    this.outOfSpace = true;
  }

  /** An object was written or deleted: what failed for lack of space may fit now. */
  noteSpaceChanged(): void {
    this.outOfSpace = false;
  }

  /** Why the disk counts as full (for /health), or undefined when it does not. */
  async fullReason(): Promise<string | undefined> {
    const reserved = await this.mayWrite();
    const free = await this.freeBytes();
    if (reserved && !this.outOfSpace && free >= LOW_SPACE_BYTES) return undefined;
    return (
      `Storage is full: ${(free / MIB).toFixed(1)} MiB free in the data folder. ` +
      'Delete images or grids you no longer need, or give the data folder more disk space.'
    );
  }

  private async restore(): Promise<boolean> {
    if ((await this.freeBytes()) < this.reserveBytes + LOW_SPACE_BYTES) return false;
    const temp = `${this.reserveFile}.tmp`;
    try {
      await writeFile(temp, filler(this.reserveBytes), { mode: 0o600 });
      await rename(temp, this.reserveFile);
    } catch (error) {
      await rm(temp, { force: true });
      // Given up again while being made (ENOENT), or the space went to others meanwhile.
      if (isOutOfSpace(error) || (error as { code?: string }).code === 'ENOENT') return false;
      throw error;
    }
    this.reserveInPlace = true;
    return true;
  }

  /** Bytes an unprivileged writer may still use (root's reserved blocks not counted). */
  private async freeBytes(): Promise<number> {
    const info = await statfs(this.dataDir);
    return info.bavail * info.bsize;
  }

  private freeBytesSync(): number {
    const info = statfsSync(this.dataDir);
    return info.bavail * info.bsize;
  }
}

/**
 * Random, not zeros: a compressing or deduplicating filesystem (ZFS, btrfs) stores
 * zeros in next to no space, and the reserve would then free nothing when given up.
 */
const filler = (bytes: number) => randomBytes(bytes);
