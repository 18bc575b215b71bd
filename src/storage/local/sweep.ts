import { readdir, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { STAGING_PREFIX } from '../../core/ids.js';
import type { Bucket } from '../../core/ports.js';
import type { SweepReport } from '../sweep-report.js';
import type { FileObjectStore } from './file-object-store.js';
import type { SqliteGridIndex } from './sqlite-grid-index.js';

export interface SweepOptions {
  /**
   * Only files older than this are touched, so an upload between its two writes
   * (object stored, record not yet written) or a two-step upload waiting for its
   * confirmation is never taken for garbage.
   */
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
 * The local backend's garbage collector. GridService writes the object before the
 * record and removes the record before the object, so a crash at any point can leave
 * an object without a record, never a record without its object. This removes such
 * leftovers once they are older than the grace period, and built grids past their
 * retention. It runs at server start, every GC_INTERVAL_SECONDS while the server runs,
 * and as `npm run gc` (safe while the server runs).
 * On AWS, S3 lifecycle rules expire built grids and `src/core/sweep-unrecorded.ts` does the rest.
 */
export async function sweepLocalStorage(
  store: FileObjectStore,
  index: SqliteGridIndex,
  options: SweepOptions,
): Promise<SweepReport> {
  const now = options.now ?? Date.now();
  const cutoff = now - options.graceMs;
  const expiry = options.gridRetentionMs ? now - options.gridRetentionMs : -Infinity;
  const report: SweepReport = {
    unrecordedImages: [],
    abandonedUploads: [],
    orphanedGrids: [],
    expiredGrids: [],
    tempFiles: 0,
  };

  for (const { key } of await oldFiles(store, 'source', cutoff)) {
    if (key.startsWith(STAGING_PREFIX)) {
      report.abandonedUploads.push(key);
      continue;
    }
    if (!index.isRecorded(gridOf(key), key)) report.unrecordedImages.push(key);
  }
  for (const { key, mtimeMs } of await oldFiles(store, 'destination', cutoff)) {
    if (!index.hasImages(gridOf(key))) report.orphanedGrids.push(key);
    else if (mtimeMs < expiry) report.expiredGrids.push(key);
  }
  // Check again right before deleting: a record may have appeared meanwhile (an
  // upload stalled longer than the grace period between its two writes).
  report.unrecordedImages = report.unrecordedImages.filter(
    (key) => !index.isRecorded(gridOf(key), key),
  );
  await store.delete('source', [...report.unrecordedImages, ...report.abandonedUploads]);
  await store.delete('destination', [...report.orphanedGrids, ...report.expiredGrids]);

  const tmp = store.folderOf('tmp');
  for (const name of await readdir(tmp).catch(() => [] as string[])) {
    const info = await stat(join(tmp, name)).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < cutoff) {
      await rm(join(tmp, name), { force: true });
      report.tempFiles++;
    }
  }
  return report;
}

/** Keys are `GRID_ID/...`. */
const gridOf = (key: string): string => key.slice(0, key.indexOf('/'));

/** Files of a bucket last written before `cutoff`, as object keys; names GridBuilder cannot have made are left alone. */
async function oldFiles(
  store: FileObjectStore,
  bucket: Bucket,
  cutoff: number,
): Promise<{ key: string; mtimeMs: number }[]> {
  const folder = store.folderOf(bucket);
  const entries = await readdir(folder, { recursive: true }).catch(() => [] as string[]);
  const found: { key: string; mtimeMs: number }[] = [];
  for (const entry of entries) {
    const key = relative(folder, join(folder, entry)).split(sep).join('/');
    try {
      store.fileOf(bucket, key);
    } catch {
      continue;
    }
    const info = await stat(join(folder, entry)).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < cutoff) found.push({ key, mtimeMs: info.mtimeMs });
  }
  return found;
}
