import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { HousekeepingReport } from '../storage-backend.js';
import type { FileObjectStore } from './file-object-store.js';
import type { SqliteGridIndex } from './sqlite-grid-index.js';

export interface HousekeepingOptions {
  /** Only files older than this are touched: a grid being built or a file being written is spared. */
  graceMs: number;
  /**
   * Built grids of grids that still have images are removed once older than this, as
   * the AWS stack's S3 lifecycle rule expires them (`gridRetentionDays`): they are a
   * cache, rebuilt on demand. 0 or none keeps them.
   */
  gridRetentionMs?: number;
  /** For tests; default Date.now(). */
  now?: number;
}

/**
 * The local backend's own part of the garbage sweep, after the sweep through the ports
 * has removed unrecorded source objects and abandoned uploads: built grids of grids
 * that have no image left (a crash in the middle of a grid delete), built grids past
 * their retention, half-written temp files, and build records past their keeping
 * (DynamoDB's TTL removes them on AWS). Built grid keys carry no ULID
 * (`GRID/grid-VERSION.ext`), so these are dated by their file's time.
 */
export async function localHousekeeping(
  store: FileObjectStore,
  index: SqliteGridIndex,
  options: HousekeepingOptions,
): Promise<HousekeepingReport> {
  const now = options.now ?? Date.now();
  const cutoff = now - options.graceMs;
  const expiry = options.gridRetentionMs ? now - options.gridRetentionMs : -Infinity;
  const hasImages = new Map<string, boolean>();
  const orphanedGrids: string[] = [];
  const expiredGrids: string[] = [];
  for (const key of await store.list('destination', '')) {
    const info = await stat(store.fileOf('destination', key)).catch(() => undefined);
    if (!info || info.mtimeMs >= cutoff) continue;
    const gridId = key.slice(0, key.indexOf('/'));
    if (!hasImages.has(gridId)) hasImages.set(gridId, (await index.list(gridId)).length > 0);
    if (!hasImages.get(gridId)) orphanedGrids.push(key);
    else if (info.mtimeMs < expiry) expiredGrids.push(key);
  }
  await store.delete('destination', [...orphanedGrids, ...expiredGrids]);
  return {
    orphanedGrids,
    expiredGrids,
    tempFiles: await removeTempFiles(store, cutoff),
    expiredBuilds: index.forgetBuilds(now),
  };
}

/** Removes the temp files last written before `cutoff`; returns how many. */
async function removeTempFiles(store: FileObjectStore, cutoff: number): Promise<number> {
  const tmp = store.tempFolder;
  let removed = 0;
  for (const name of await readdir(tmp).catch(() => [] as string[])) {
    const info = await stat(join(tmp, name)).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < cutoff) {
      await rm(join(tmp, name), { force: true });
      removed++;
    }
  }
  return removed;
}
