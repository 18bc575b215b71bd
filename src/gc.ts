import { createStorage } from './bootstrap.js';
import type { Config } from './config.js';
import { sweepUnrecordedObjects } from './core/sweep-unrecorded.js';
import type { SweepReport } from './storage/sweep-report.js';

/**
 * `gridbuilder gc` / `npm run gc`: removes what crashes and storage faults left
 * behind, sparing anything younger than GC_GRACE_SECONDS (and two-step uploads whose
 * link may still be used), so it is safe while the server runs.
 * - local: objects without a record, unconfirmed uploads, built grids of emptied
 *   grids and half-written temp files (src/storage/local/sweep.ts, by file age), and
 *   built grids older than GRID_RETENTION_DAYS;
 * - aws: objects without a record and unconfirmed uploads, through the ports
 *   (src/core/sweep-unrecorded.ts, by the time in their ULID); S3 lifecycle rules
 *   may expire `_uploads/` too, but cannot tell a recorded image from an unrecorded one.
 */
/** Where `collectGarbage(config)` sweeps, for reports: the data folder, or the bucket and table. */
export const storageLocation = (config: Config) =>
  config.STORAGE === 'local'
    ? { dataDir: config.DATA_DIR }
    : { sourceBucket: config.SOURCE_BUCKET, table: config.TABLE_NAME };

export async function collectGarbage(
  config: Config,
  graceSeconds = config.GC_GRACE_SECONDS,
): Promise<SweepReport> {
  const storage = createStorage(config);
  try {
    if (storage.sweep) return await storage.sweep(graceSeconds * 1000);
    const report = await sweepUnrecordedObjects(storage.objects, storage.index, {
      graceMs: graceSeconds * 1000,
      uploadGraceMs: (graceSeconds + config.URL_EXPIRES_SECONDS) * 1000,
    });
    return { ...report, orphanedGrids: [], expiredGrids: [], tempFiles: 0 };
  } finally {
    storage.close();
  }
}
